// The application frame: header, screen list, the current screen and the notice above it.

import { useEffect, useRef } from 'react'
import { isTerminal } from '../src-shared/job-events'
import { AppHeader } from './components/app-header'
import { NoticeBanner } from './components/notice-banner'
import { SideNav } from './components/side-nav'
import { ClientsScreen } from './screens/clients-screen'
import { DatasetScreen } from './screens/dataset-screen'
import { ErrorsScreen } from './screens/errors-screen'
import { ResultsScreen } from './screens/results-screen'
import { RunsScreen } from './screens/runs-screen'
import { SettingsScreen } from './screens/settings-screen'
import { TrainingScreen } from './screens/training-screen'
import type { Screen } from './store/navigation-slice'
import { useAppStore } from './store/store-context'

const RUNS_POLL_MS = 5000

const SCREEN_VIEWS: Record<Screen, () => React.JSX.Element | null> = {
  clients: ClientsScreen,
  dataset: DatasetScreen,
  errors: ErrorsScreen,
  training: TrainingScreen,
  results: ResultsScreen,
  runs: RunsScreen,
  settings: SettingsScreen,
}

export function App() {
  const screen = useAppStore((s) => s.screen)
  const loadHealth = useAppStore((s) => s.loadHealth)
  const loadClients = useAppStore((s) => s.loadClients)
  const mainRef = useRef<HTMLElement>(null)
  const firstScreen = useRef(true)
  const View = SCREEN_VIEWS[screen]

  useEffect(() => {
    void loadHealth()
    void loadClients()
  }, [loadHealth, loadClients])

  // Jobs can start outside this window (scripts calling /progress): look for them now and then.
  const client = useAppStore((s) => s.selectedClient)
  const following = useAppStore((s) => s.live !== undefined && !isTerminal(s.live.view.state))
  const loadRuns = useAppStore((s) => s.loadRuns)
  useEffect(() => {
    if (client === undefined || following) return
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void loadRuns(client)
    }, RUNS_POLL_MS)
    return () => clearInterval(timer)
  }, [client, following, loadRuns])

  // Moving to another screen moves focus to it, so keyboard and screen-reader users land there.
  useEffect(() => {
    if (firstScreen.current) {
      firstScreen.current = false
      return
    }
    mainRef.current?.focus({ preventScroll: true })
    window.scrollTo(0, 0)
  }, [screen])

  return (
    <div className="app">
      {/* Focus moves by script: following #main would replace the screen's address. */}
      <a
        className="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault()
          mainRef.current?.focus()
        }}
      >
        Skip to content
      </a>
      <AppHeader />
      <SideNav />
      <main id="main" ref={mainRef} className="content" tabIndex={-1}>
        <NoticeBanner />
        <View />
      </main>
    </div>
  )
}
