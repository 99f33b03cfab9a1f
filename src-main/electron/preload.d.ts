// What the preload puts on the page: present in the desktop app, absent in a plain browser.
import type { TrainingServerApi } from '../../src-shared/bridge'

declare global {
  interface Window {
    trainingServer?: TrainingServerApi
  }
}

export {}
