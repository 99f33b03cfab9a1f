// @vitest-environment jsdom
// Each screen and client has an address: the store follows the hash and the hash the store, so
// Back, Reload and bookmarks land on the same screen and client.

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createAppStore, type AppStore } from '../../src-renderer/store/app-store'
import { bindHashRoute, formatRoute, parseRoute } from '../../src-renderer/store/hash-route'
import { FakeApi } from './fake-api'

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20))

describe('routes', () => {
  it('reads and writes each screen and client', () => {
    expect(parseRoute('#/clients')).toEqual({ screen: 'clients' })
    expect(parseRoute('#/settings')).toEqual({ screen: 'settings' })
    expect(parseRoute('#/clients/client0/results')).toEqual({
      screen: 'results',
      client: 'client0',
    })
    expect(parseRoute('#/clients/client0')).toEqual({ screen: 'dataset', client: 'client0' })
    expect(parseRoute('#/runs')).toEqual({ screen: 'runs' })
    expect(formatRoute({ screen: 'runs', client: 'client0' })).toBe('#/clients/client0/runs')
    expect(formatRoute({ screen: 'settings', client: 'client0' })).toBe('#/settings')
    expect(formatRoute({ screen: 'training' })).toBe('#/clients')
  })

  it('names no route for what is not one', () => {
    for (const hash of ['', '#main', '#/nowhere', '#/clients/client0/settings', '#/clients/a/b/c'])
      expect(parseRoute(hash)).toBeUndefined()
  })
})

describe('the hash bound to the store', () => {
  let store: AppStore
  let unbind: () => void
  beforeEach(() => {
    store = createAppStore(new FakeApi())
  })
  afterEach(() => {
    unbind()
    window.location.hash = ''
  })

  it('opens the screen and client a reloaded or bookmarked address names', () => {
    window.location.hash = '#/clients/client1/results'
    unbind = bindHashRoute(store)
    expect(store.getState().screen).toBe('results')
    expect(store.getState().selectedClient).toBe('client1')
  })

  it('writes an address that names nothing out as the client list', () => {
    window.location.hash = '#/clients/client1/nowhere'
    unbind = bindHashRoute(store)
    expect(store.getState().screen).toBe('clients')
    expect(window.location.hash).toBe('#/clients')
  })

  it('gives every screen change an address, and Back returns to the one before', async () => {
    window.location.hash = '#/clients'
    unbind = bindHashRoute(store)
    store.getState().selectClient('client0')
    store.getState().go('dataset')
    expect(window.location.hash).toBe('#/clients/client0/dataset')
    store.getState().go('runs')
    expect(window.location.hash).toBe('#/clients/client0/runs')
    window.history.back()
    await settle()
    expect(window.location.hash).toBe('#/clients/client0/dataset')
    expect(store.getState().screen).toBe('dataset')
    expect(store.getState().selectedClient).toBe('client0')
  })

  it('follows an edited address to another client', async () => {
    window.location.hash = '#/clients/client0/dataset'
    unbind = bindHashRoute(store)
    window.location.hash = '#/clients/client1/training'
    await settle()
    expect(store.getState().selectedClient).toBe('client1')
    expect(store.getState().screen).toBe('training')
  })

  it('leaves in-page anchors alone', async () => {
    window.location.hash = '#/settings'
    unbind = bindHashRoute(store)
    window.location.hash = '#main'
    await settle()
    expect(store.getState().screen).toBe('settings')
  })
})
