// What a screen shows when there is nothing to show yet, and what to do about it.

import type { ReactNode } from 'react'

export function EmptyState(props: {
  title: string
  children?: ReactNode
  action?: ReactNode
  tone?: 'success'
}) {
  return (
    <div className={props.tone === 'success' ? 'empty-state empty-success' : 'empty-state'}>
      <p className="empty-title">{props.title}</p>
      {props.children && <div className="empty-body">{props.children}</div>}
      {props.action && <div className="empty-action">{props.action}</div>}
    </div>
  )
}
