// Worker-thread entry that reads and judges one annotations.json, so parsing a large file never
// holds up the thread that serves HTTP and IPC. It answers one request and exits.

import { parentPort, workerData } from 'node:worker_threads'
import { answerAnnotationsRequest, type AnnotationsRequest } from './annotations-task'

const port = parentPort
if (port !== null)
  void answerAnnotationsRequest(workerData as AnnotationsRequest).then(
    (answer) => port.postMessage({ ok: true, answer }),
    (thrown: unknown) =>
      port.postMessage({
        ok: false,
        message: thrown instanceof Error ? thrown.message : String(thrown),
      }),
  )
