// The renderer's entry: pick the transport, build the store, render the app.

import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { chooseTransport } from './api/choose-transport'
import { App } from './app'
import { createAppStore } from './store/app-store'
import { bindHashRoute } from './store/hash-route'
import { StoreProvider } from './store/store-context'
import './styles/app.css'
import './styles/settings.css'
import './styles/results.css'
import './styles/detection.css'

const { kind, api } = chooseTransport()
const store = createAppStore(api)
document.documentElement.dataset.transport = kind
bindHashRoute(store)

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root element')
createRoot(root).render(
  <StrictMode>
    <StoreProvider store={store} api={api}>
      <App />
    </StoreProvider>
  </StrictMode>,
)
