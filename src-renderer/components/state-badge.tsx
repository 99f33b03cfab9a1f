// A job state as a coloured label; the text carries the meaning, the colour only repeats it.

import type { JobState } from '../../src-shared/job-events'

const TONE: Record<JobState, string> = {
  queued: 'neutral',
  syncing: 'active',
  validating: 'active',
  training: 'active',
  exporting: 'active',
  uploading: 'active',
  done: 'success',
  failed: 'danger',
  interrupted: 'warning',
}

const TEXT: Record<JobState, string> = {
  queued: 'Queued',
  syncing: 'Syncing',
  validating: 'Validating',
  training: 'Training',
  exporting: 'Exporting',
  uploading: 'Uploading',
  done: 'Done',
  failed: 'Failed',
  interrupted: 'Interrupted',
}

export function stateText(state: JobState): string {
  return TEXT[state]
}

export function StateBadge({ state }: { state: JobState }) {
  return <span className={`badge badge-${TONE[state]}`}>{TEXT[state]}</span>
}
