// Renders a screen with a store over the fake transport, with the state the test gives it.

import { render } from '@testing-library/react'
import type { ReactElement } from 'react'
import { createAppStore, type AppStore } from '../../src-renderer/store/app-store'
import { StoreProvider } from '../../src-renderer/store/store-context'
import type { AppState } from '../../src-renderer/store/store-types'
import { FakeApi } from './fake-api'

export function renderWithStore(
  ui: ReactElement,
  state: Partial<AppState> = {},
  api: FakeApi = new FakeApi(),
) {
  const store: AppStore = createAppStore(api)
  store.setState(state)
  const view = render(
    <StoreProvider store={store} api={api}>
      {ui}
    </StoreProvider>,
  )
  return { ...view, store, api }
}
