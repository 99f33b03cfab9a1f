// An AppError as the user sees it: the message first, then its code and where it applies.

import type { AppError } from '../../src-shared/errors'

export function ErrorDetail({ error }: { error: AppError }) {
  const where = [error.path, error.file, error.field].filter(Boolean).join(' · ')
  return (
    <p className="error-detail">
      <span className="error-message">{error.message}</span>{' '}
      <code className="error-code">{error.code}</code>
      {where && <span className="error-where"> {where}</span>}
    </p>
  )
}
