// Which screen is showing, and the one notice (an action's failure or outcome) above it.

import { toAppError, type AppError } from '../../src-shared/errors'
import type { SliceCreator } from './store-types'

export const SCREENS = [
  'clients',
  'dataset',
  'errors',
  'training',
  'results',
  'runs',
  'settings',
] as const
export type Screen = (typeof SCREENS)[number]

export interface Notice {
  kind: 'error' | 'info'
  title: string
  error?: AppError
}

export interface NavigationSlice {
  screen: Screen
  notice?: Notice
  go(screen: Screen): void
  notify(notice: Notice): void
  /** Shows a failed action with the error's code and message. */
  notifyFailure(title: string, thrown: unknown): void
  dismissNotice(): void
}

export const createNavigationSlice: SliceCreator<NavigationSlice> = (set) => ({
  screen: 'clients',
  notice: undefined,
  go: (screen) => set({ screen }),
  notify: (notice) => set({ notice }),
  notifyFailure: (title, thrown) =>
    set({ notice: { kind: 'error', title, error: toAppError(thrown) } }),
  dismissNotice: () => set({ notice: undefined }),
})
