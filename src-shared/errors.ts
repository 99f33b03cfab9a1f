// Errors as values at every boundary (HTTP, IPC, job events): a stable machine-readable code,
// a human message, and where it applies (a JSON path into annotations.json, a file, a query field).

import { isErrorCode, type ErrorCode } from './error-codes'

export interface AppError {
  /** Stable, documented, SCREAMING_SNAKE code (the table in error-codes.ts): clients branch on it. */
  code: ErrorCode
  message: string
  /** JSON path such as `$.images[3].file_name`, when the error is about a JSON document. */
  path?: string
  /** File name (relative to the dataset folder) or object key the error is about. */
  file?: string
  /** Query or settings field the error is about. */
  field?: string
  /** Extra structured detail (allowed values, limits, the underlying cause). */
  details?: Record<string, unknown>
}

export function appError(
  code: ErrorCode,
  message: string,
  where: Omit<AppError, 'code' | 'message'> = {},
): AppError {
  return { code, message, ...where }
}

export function isAppError(value: unknown): value is AppError {
  return (
    typeof value === 'object' &&
    value !== null &&
    isErrorCode((value as AppError).code) &&
    typeof (value as AppError).message === 'string'
  )
}

/** An Error that carries an AppError, so it can be thrown through async code and reported as is. */
export class AppFailure extends Error {
  constructor(readonly error: AppError) {
    super(error.message)
    this.name = 'AppFailure'
  }
}

/** Turns anything thrown into an AppError, keeping a carried AppError untouched. */
export function toAppError(thrown: unknown, fallbackCode: ErrorCode = 'INTERNAL'): AppError {
  if (thrown instanceof AppFailure) return thrown.error
  if (isAppError(thrown)) return thrown
  const message = thrown instanceof Error ? thrown.message : String(thrown)
  return appError(fallbackCode, message)
}
