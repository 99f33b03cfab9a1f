// Runs one training in a worker thread and turns its life into a promise: 'done' resolves, an
// 'error' message rejects with that error, a crash or an exit without 'done' rejects with
// WORKER_DIED, and an abort or a timeout terminates the thread at once (even mid-batch).

import { Worker } from 'node:worker_threads'
import type { ErrorCode } from '../../src-shared/error-codes'
import { AppFailure, appError } from '../../src-shared/errors'
import type { TrainingMetrics } from '../../src-shared/job-events'
import { workerEntry } from '../platform/worker-entry'
import type {
  TrainingControl,
  TrainingMessage,
  TrainingRequest,
} from '../engine/worker/training-protocol'

/** The module keras-h5 and load-keras-h5 import. */
const H5WASM_MODULE = 'h5wasm/node'

/** Longest wait for a terminated worker thread to stop before settling anyway. */
const TERMINATION_GRACE_MS = 1000

export interface RunTrainingOptions {
  onMessage(m: TrainingMessage): void
  signal?: AbortSignal
  timeoutMs?: number
}

/** Where the worker script is: the bundle `training-worker.js`, or `training-worker.ts` via tsx. */
export function trainingWorkerEntry(): { url: URL; execArgv: string[] } {
  return workerEntry(import.meta.url, 'training-worker', '../engine/worker/training-worker.ts', {
    // The Keras HDF5 writer's engine: loaded through tsx, it alone took half the thread's start.
    preload: [H5WASM_MODULE],
  })
}

/**
 * Longest wait for a worker to close its files when asked to stop: between two batches it answers
 * at once; in the middle of a long kernel it is terminated anyway (its cache records stay
 * consistent, only its open files outlive it).
 */
const STOP_WAIT_MS = 500

function askToStop(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, STOP_WAIT_MS)
    function done() {
      clearTimeout(timer)
      worker.off('message', onMessage)
      resolve()
    }
    function onMessage(message: TrainingMessage) {
      if (message.type === 'stopped') done()
    }
    worker.on('message', onMessage)
    try {
      worker.postMessage({ type: 'stop' } satisfies TrainingControl)
    } catch {
      done()
    }
  })
}

export function runTrainingWorker(
  request: TrainingRequest,
  opts: RunTrainingOptions,
): Promise<{ metrics: TrainingMetrics; files: string[] }> {
  const { signal, timeoutMs } = opts
  if (signal?.aborted)
    return Promise.reject(new AppFailure(appError('INTERRUPTED', 'Training was interrupted')))
  const entry = trainingWorkerEntry()
  return new Promise((resolve, reject) => {
    let worker: Worker
    try {
      worker = new Worker(entry.url, { workerData: request, execArgv: entry.execArgv })
    } catch (error) {
      // For example a request that cannot be copied to another thread.
      const reason = error instanceof Error ? error.message : String(error)
      reject(
        new AppFailure(appError('WORKER_DIED', `The training worker could not start: ${reason}`)),
      )
      return
    }
    let settled = false
    let timer: ReturnType<typeof setTimeout> | undefined

    // The promise settles only once the thread has stopped, so nothing it was doing (a file
    // being written, say) can still happen after the caller has moved on; termination takes
    // milliseconds even mid-kernel, the grace period only guards against a thread that hangs.
    const settle = (outcome: () => void, stopFirst = false) => {
      if (settled) return
      settled = true
      if (timer !== undefined) clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      const grace = new Promise((done) => setTimeout(done, TERMINATION_GRACE_MS).unref())
      void (stopFirst ? askToStop(worker) : Promise.resolve())
        .then(() => Promise.race([worker.terminate(), grace]))
        .finally(outcome)
    }
    const fail = (
      code: ErrorCode,
      message: string,
      details?: Record<string, unknown>,
      stopFirst = false,
    ) =>
      settle(
        () => reject(new AppFailure(appError(code, message, details ? { details } : {}))),
        stopFirst,
      )
    const onAbort = () => fail('INTERRUPTED', 'Training was interrupted', undefined, true)

    signal?.addEventListener('abort', onAbort, { once: true })
    if (timeoutMs !== undefined)
      timer = setTimeout(
        () =>
          fail(
            'TRAINING_TIMEOUT',
            `Training took longer than ${timeoutMs} ms`,
            { timeoutMs },
            true,
          ),
        timeoutMs,
      )

    worker.on('message', (message: TrainingMessage) => {
      if (settled) return
      try {
        opts.onMessage(message)
      } catch {
        // A listener's failure must not take the training down with it.
      }
      if (message.type === 'done')
        settle(() => resolve({ metrics: message.metrics, files: message.files }))
      else if (message.type === 'error') settle(() => reject(new AppFailure(message.error)))
    })
    worker.on('error', (error) =>
      fail('WORKER_DIED', `The training worker crashed: ${error.message}`),
    )
    worker.on('exit', (code) =>
      fail('WORKER_DIED', `The training worker exited (code ${code}) before finishing`, { code }),
    )
  })
}
