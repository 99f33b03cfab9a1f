// One labelled progress bar with its counts and the time left, exposed as an ARIA progressbar.

import { useId } from 'react'

export interface ProgressBarProps {
  label: string
  done: number
  total: number
  /** Text after the label, e.g. "120 / 400 files · 3.1 MB / 9.8 MB". */
  detail?: string
  /** e.g. "about 2m 10s left". */
  eta?: string
  /** Without a total yet the bar shows it is busy rather than a number. */
  indeterminate?: boolean
}

export function ProgressBar({ label, done, total, detail, eta, indeterminate }: ProgressBarProps) {
  const id = useId()
  const fraction = total > 0 ? Math.min(Math.max(done / total, 0), 1) : 0
  const percent = Math.round(fraction * 100)
  return (
    <div className="progress">
      <div className="progress-head">
        <span id={id} className="progress-label">
          {label}
        </span>
        <span className="progress-detail">{detail}</span>
        {eta && <span className="progress-eta">{eta}</span>}
      </div>
      <div
        className={indeterminate ? 'progress-track indeterminate' : 'progress-track'}
        role="progressbar"
        aria-labelledby={id}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={indeterminate ? undefined : percent}
        aria-valuetext={indeterminate ? 'In progress' : `${percent}%${detail ? `, ${detail}` : ''}`}
      >
        <div
          className="progress-fill"
          style={{ width: indeterminate ? undefined : `${percent}%` }}
        />
      </div>
    </div>
  )
}
