// The latest action's failure (or outcome), above the current screen until dismissed.

import { useAppStore } from '../store/store-context'
import { ErrorDetail } from './error-detail'

export function NoticeBanner() {
  const notice = useAppStore((s) => s.notice)
  const dismiss = useAppStore((s) => s.dismissNotice)
  if (!notice) return null
  return (
    <div
      className={`notice notice-${notice.kind}`}
      role={notice.kind === 'error' ? 'alert' : 'status'}
    >
      <div className="notice-text">
        <strong>{notice.title}</strong>
        {notice.error && <ErrorDetail error={notice.error} />}
      </div>
      <button type="button" className="button-quiet" onClick={dismiss}>
        Dismiss
      </button>
    </div>
  )
}
