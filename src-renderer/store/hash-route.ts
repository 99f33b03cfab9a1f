// The address of what the UI shows: each screen, and each client's screens, has a URL, kept in
// step with the store both ways, so Back, Reload and bookmarks work.
//
//   #/clients                      the client list        #/settings   the settings
//   #/clients/<client>/<screen>    one client's screen (dataset, errors, training, results, runs…)
//   #/<screen>                     a client screen for the selected client (written out in full)
//
// Hash routing, not paths: the desktop window loads the renderer from a file:// URL, where a path
// change would point at another file and a reload would find nothing, and the endpoint serves the
// web UI at `/` only. The fragment never reaches a server or the file system, so one scheme works
// in both shells. It is hand-written rather than a router library's because the route is just two
// fields the store already owns (screen, selected client); a router would hold a second copy.

import { SCREENS, type Screen } from './navigation-slice'
import type { AppStore } from './app-store'

export interface Route {
  screen: Screen
  client?: string
}

/** Screens that are about no one client; every other screen belongs to the selected client. */
const GLOBAL_SCREENS: readonly Screen[] = ['clients', 'settings']

const isScreen = (value: string | undefined): value is Screen =>
  value !== undefined && (SCREENS as readonly string[]).includes(value)

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}

/** The route a hash names; undefined for anything that names none (the caller picks a default). */
export function parseRoute(hash: string): Route | undefined {
  const segments = hash.replace(/^#\/?/, '').split('/').filter(Boolean)
  const [first, second, third, ...rest] = segments
  if (rest.length > 0) return undefined
  if (first === 'clients' && second !== undefined) {
    const client = decode(second)
    const screen = third ?? 'dataset'
    if (client === undefined || !isScreen(screen) || GLOBAL_SCREENS.includes(screen))
      return undefined
    return { screen, client }
  }
  if (second !== undefined || !isScreen(first)) return undefined
  return { screen: first }
}

/** The hash of a route; a client screen without a client falls back to the client list. */
export function formatRoute(route: Route): string {
  if (GLOBAL_SCREENS.includes(route.screen)) return `#/${route.screen}`
  if (route.client === undefined) return '#/clients'
  return `#/clients/${encodeURIComponent(route.client)}/${route.screen}`
}

function routeOfStore(store: AppStore): Route {
  const { screen, selectedClient } = store.getState()
  return { screen, ...(selectedClient !== undefined && { client: selectedClient }) }
}

function applyRoute(store: AppStore, route: Route | undefined): void {
  const state = store.getState()
  if (!route) {
    state.go('clients')
    return
  }
  const client = route.client ?? state.selectedClient
  if (!GLOBAL_SCREENS.includes(route.screen) && client === undefined) {
    state.go('clients')
    return
  }
  if (route.client !== undefined) state.selectClient(route.client)
  state.go(route.screen)
}

/**
 * Applies the window's current hash to the store, then keeps both in step: a store change pushes
 * a history entry (so Back returns to it), a hash change (Back, Forward, an edited address) moves
 * the store. Returns the function that stops it.
 */
export function bindHashRoute(store: AppStore, win: Window = window): () => void {
  let applying = false
  const fromHash = (): void => {
    applying = true
    try {
      applyRoute(store, parseRoute(win.location.hash))
    } finally {
      applying = false
    }
    // An address that names no route, or a short one, is written out in place: no extra
    // history entry that Back would return to only to be sent on again.
    const canonical = formatRoute(routeOfStore(store))
    if (win.location.hash !== canonical) win.location.replace(canonical)
  }
  fromHash()

  const unsubscribe = store.subscribe((state, previous) => {
    if (applying) return
    if (state.screen === previous.screen && state.selectedClient === previous.selectedClient) return
    const hash = formatRoute(routeOfStore(store))
    if (win.location.hash !== hash) win.location.hash = hash
  })
  const onHashChange = (): void => {
    // In-page anchors (#main) are not routes.
    if (!win.location.hash.startsWith('#/')) return
    if (win.location.hash !== formatRoute(routeOfStore(store))) fromHash()
  }
  win.addEventListener('hashchange', onHashChange)
  return () => {
    unsubscribe()
    win.removeEventListener('hashchange', onHashChange)
  }
}
