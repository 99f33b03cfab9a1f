// Why a queued job waits, as data for programs and in words for people: the same event feeds the
// stream's line, the UI's "waiting for …" and the run history.

import type { QueueWait } from '../../src-shared/job-events'

export function queueWaitMessage(wait: QueueWait): string {
  switch (wait.kind) {
    case 'client':
      return `waiting for ${wait.client}'s job ${wait.jobId} to finish`
    case 'sync':
      return `waiting for the sync of ${wait.client}'s dataset to finish`
    case 'slot': {
      const holders = wait.running.length > 0 ? `; running: ${wait.running.join(', ')}` : ''
      return `waiting for a free training slot (concurrency ${wait.concurrency}${holders})`
    }
  }
}
