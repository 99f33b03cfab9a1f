// Makes any step of a job stop waiting the moment the job is interrupted. Steps that honour the
// signal themselves (sync, training, upload) also stop their work; the rest (reading a dataset)
// finish in the background and their result is dropped. Either way the job can end as
// interrupted at once instead of when the slowest step gets round to checking.

import { AppFailure, appError } from '../../src-shared/errors'

export function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => {})
    return Promise.reject(reasonOf(signal))
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(reasonOf(signal))
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(err)
      },
    )
  })
}

function reasonOf(signal: AbortSignal): AppFailure {
  const reason: unknown = signal.reason
  return reason instanceof AppFailure
    ? reason
    : new AppFailure(appError('INTERRUPTED', 'the job was interrupted'))
}
