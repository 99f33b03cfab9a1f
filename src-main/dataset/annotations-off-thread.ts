// Runs one annotations request in its own worker thread and returns its answer. The thread reads
// the file itself, so the text never crosses threads; only the file facts go in and the report
// (with the dataset) comes back. A small file is judged right here: starting a thread costs more.

import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { workerEntry } from '../platform/worker-entry'
import {
  answerAnnotationsRequest,
  type AnnotationsAnswers,
  type AnnotationsRequest,
} from './annotations-task'
import { ANNOTATIONS_FILE } from './annotations-text'

/** Files below this size parse in a few milliseconds: no thread for them. */
export const OFF_THREAD_MIN_BYTES = 256 * 1024

type Reply = { ok: true; answer: unknown } | { ok: false; message: string }

export async function inAnnotationsWorker<K extends AnnotationsRequest['kind']>(
  request: Extract<AnnotationsRequest, { kind: K }>,
): Promise<AnnotationsAnswers[K]> {
  const file = join(request.root, ...ANNOTATIONS_FILE.split('/'))
  const size = (await stat(file).catch(() => undefined))?.size ?? 0
  if (size < OFF_THREAD_MIN_BYTES)
    return (await answerAnnotationsRequest(request)) as AnnotationsAnswers[K]
  return inWorker(request)
}

function inWorker<K extends AnnotationsRequest['kind']>(
  request: Extract<AnnotationsRequest, { kind: K }>,
): Promise<AnnotationsAnswers[K]> {
  const entry = workerEntry(import.meta.url, 'annotations-worker', './annotations-worker.ts')
  return new Promise((resolve, reject) => {
    let settled = false
    const worker = new Worker(entry.url, { workerData: request, execArgv: entry.execArgv })
    const settle = (outcome: () => void) => {
      if (settled) return
      settled = true
      outcome()
      void worker.terminate()
    }
    worker.once('message', (reply: Reply) =>
      settle(() =>
        reply.ok
          ? resolve(reply.answer as AnnotationsAnswers[K])
          : reject(new Error(`annotations.json could not be validated: ${reply.message}`)),
      ),
    )
    worker.once('error', (error) =>
      settle(() => reject(new Error(`annotations.json could not be validated: ${error.message}`))),
    )
    worker.once('exit', (code) =>
      settle(() => reject(new Error(`the annotations worker exited (code ${code}) early`))),
    )
  })
}
