// The screen list. Screens about one client wait until a client is picked.

import { isTerminal } from '../../src-shared/job-events'
import type { Screen } from '../store/navigation-slice'
import { useAppStore } from '../store/store-context'

const ITEMS: { screen: Screen; label: string; needsClient: boolean }[] = [
  { screen: 'clients', label: 'Clients', needsClient: false },
  { screen: 'dataset', label: 'Dataset', needsClient: true },
  { screen: 'errors', label: 'Annotation errors', needsClient: true },
  { screen: 'training', label: 'Training', needsClient: true },
  { screen: 'results', label: 'Results', needsClient: true },
  { screen: 'runs', label: 'Runs', needsClient: true },
  { screen: 'settings', label: 'Settings', needsClient: false },
]

export function SideNav() {
  const screen = useAppStore((s) => s.screen)
  const go = useAppStore((s) => s.go)
  const client = useAppStore((s) => s.selectedClient)
  const report = useAppStore((s) => s.dataset?.report)
  const liveState = useAppStore((s) => s.live?.view.state)
  const running = liveState !== undefined && !isTerminal(liveState)
  const problems = report ? report.errors + report.warnings : 0

  return (
    <nav className="side-nav" aria-label="Screens">
      <ul>
        {ITEMS.map((item) => (
          <li key={item.screen}>
            <button
              type="button"
              className="nav-item"
              aria-current={screen === item.screen ? 'page' : undefined}
              disabled={item.needsClient && client === undefined}
              onClick={() => go(item.screen)}
            >
              <span>{item.label}</span>
              {item.screen === 'errors' && problems > 0 && (
                <span
                  className={
                    report && report.errors > 0 ? 'nav-count nav-count-danger' : 'nav-count'
                  }
                >
                  <span className="visually-hidden">: </span>
                  {problems}
                  <span className="visually-hidden"> findings</span>
                </span>
              )}
              {item.screen === 'training' && running && (
                <span className="nav-live">
                  <span className="visually-hidden">: </span>running
                </span>
              )}
            </button>
          </li>
        ))}
      </ul>
    </nav>
  )
}
