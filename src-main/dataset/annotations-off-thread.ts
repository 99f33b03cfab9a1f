// Runs one annotations request in its own worker thread and returns its answer. The thread reads
// the file itself, so the text never crosses threads; only the file facts go in and the report
// (with the dataset) comes back.

import { Worker } from 'node:worker_threads'
import { workerEntry } from '../platform/worker-entry'
import type { AnnotationsAnswers, AnnotationsRequest } from './annotations-task'

type Reply = { ok: true; answer: unknown } | { ok: false; message: string }

export function inAnnotationsWorker<K extends AnnotationsRequest['kind']>(
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
