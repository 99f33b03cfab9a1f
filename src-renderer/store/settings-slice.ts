// The settings screen's state: the settings file as the core reports it, the form's draft, saving
// (with what then waits for a restart) and the connection test of the draft, which saves nothing.

import type { ConnectionTest, SettingsField, SettingsView } from '../../src-shared/app-settings'
import { toAppError, type AppError } from '../../src-shared/errors'
import {
  checkSettingsDraft,
  draftFromSettings,
  type SettingsDraft,
} from '../settings/settings-draft'
import { IDLE, LOADING, READY, type Load, type SliceCreator } from './store-types'

export type ConnectionTestState =
  | { status: 'idle' }
  | { status: 'testing' }
  | { status: 'passed'; result: ConnectionTest }
  | { status: 'failed'; error: AppError }

export type SettingsSaveState =
  | { status: 'idle' }
  | { status: 'saving' }
  | { status: 'saved'; pendingRestart: SettingsField[] }
  | { status: 'failed'; error: AppError }

export interface SettingsSlice {
  settingsView?: SettingsView
  settingsLoad: Load
  settingsDraft?: SettingsDraft
  settingsSave: SettingsSaveState
  connectionTest: ConnectionTestState
  loadSettings(): Promise<void>
  editSettings(patch: Partial<SettingsDraft>): void
  /** Puts the saved values back into the form. */
  revertSettings(): void
  saveSettings(): Promise<void>
  testConnection(): Promise<void>
}

export const createSettingsSlice: SliceCreator<SettingsSlice> = (set, get, api) => {
  const storedSecret = () => {
    const view = get().settingsView
    const credentials = view?.values.credentials
    return view?.secretStored && credentials?.kind === 'keys'
      ? { accessKeyId: credentials.accessKeyId }
      : {}
  }

  return {
    settingsView: undefined,
    settingsLoad: IDLE,
    settingsDraft: undefined,
    settingsSave: { status: 'idle' },
    connectionTest: { status: 'idle' },

    async loadSettings() {
      set({ settingsLoad: LOADING })
      try {
        const view = await api.getSettings()
        // Coming back to the screen keeps what was typed and not yet saved.
        const { settingsView: before, settingsDraft: draft } = get()
        const edited =
          before !== undefined &&
          draft !== undefined &&
          JSON.stringify(draft) !== JSON.stringify(draftFromSettings(before.values))
        set({
          settingsView: view,
          ...(!edited && { settingsDraft: draftFromSettings(view.values) }),
          settingsLoad: READY,
        })
      } catch (thrown) {
        set({ settingsLoad: { status: 'failed', error: toAppError(thrown) } })
      }
    },

    editSettings(patch) {
      const draft = get().settingsDraft
      if (!draft) return
      // An earlier answer described other values: drop it rather than let it mislead.
      set({
        settingsDraft: { ...draft, ...patch },
        connectionTest: { status: 'idle' },
        ...(get().settingsSave.status !== 'saving' && { settingsSave: { status: 'idle' } }),
      })
    },

    revertSettings() {
      const view = get().settingsView
      if (view)
        set({
          settingsDraft: draftFromSettings(view.values),
          connectionTest: { status: 'idle' },
          settingsSave: { status: 'idle' },
        })
    },

    async saveSettings() {
      const draft = get().settingsDraft
      if (!draft || get().settingsSave.status === 'saving') return
      const checked = checkSettingsDraft(draft, storedSecret())
      if (!checked.ok) return
      set({ settingsSave: { status: 'saving' } })
      try {
        const view = await api.saveSettings(checked.values)
        set({
          settingsView: view,
          settingsDraft: draftFromSettings(view.values),
          settingsSave: { status: 'saved', pendingRestart: view.pendingRestart },
        })
      } catch (thrown) {
        set({ settingsSave: { status: 'failed', error: toAppError(thrown) } })
      }
    },

    async testConnection() {
      const draft = get().settingsDraft
      if (!draft || get().connectionTest.status === 'testing') return
      const checked = checkSettingsDraft(draft, storedSecret())
      if (!checked.ok) return
      set({ connectionTest: { status: 'testing' } })
      try {
        const result = await api.testConnection(checked.values)
        // The draft may have changed while the store answered; then the answer is about old values.
        if (get().settingsDraft === draft) set({ connectionTest: { status: 'passed', result } })
      } catch (thrown) {
        if (get().settingsDraft === draft)
          set({ connectionTest: { status: 'failed', error: toAppError(thrown) } })
      }
    },
  }
}
