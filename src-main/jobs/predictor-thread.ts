// The long-lived predictor worker seen from the core: started at the first prediction, kept
// running (with its loaded models) between calls, restarted after a crash. A request that takes
// too long ends the thread, since a stuck kernel cannot be interrupted otherwise.

import { Worker } from 'node:worker_threads'
import { AppFailure, appError } from '../../src-shared/errors'
import type { Prediction } from '../../src-shared/predictions'
import type { TrainType } from '../../src-shared/train-params'
import type {
  PredictorMessage,
  PredictorSetup,
  PredictRequest,
} from '../engine/worker/predictor-protocol'
import { workerEntry } from '../platform/worker-entry'

/** Generous: the first call also starts the backend and loads the model. */
const PREDICT_TIMEOUT_MS = 120_000

/** The worker's answer: the task of the model that answered, its predictions, whether it loaded it. */
export interface PredictorAnswer {
  task: TrainType
  predictions: Prediction[]
  loadedModel: boolean
}

interface Pending {
  resolve(answer: PredictorAnswer): void
  reject(error: AppFailure): void
  timer: ReturnType<typeof setTimeout>
}

export class PredictorThread {
  private worker: Worker | undefined
  private readonly pending = new Map<number, Pending>()
  private nextId = 1
  private closed = false

  constructor(
    private readonly setup: PredictorSetup,
    private readonly timeoutMs = PREDICT_TIMEOUT_MS,
  ) {}

  predict(modelDir: string, image: Uint8Array, top?: number): Promise<PredictorAnswer> {
    if (this.closed)
      return Promise.reject(new AppFailure(appError('SHUTTING_DOWN', 'the server is stopping')))
    const worker = this.started()
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          this.endThread(
            appError('PREDICT_TIMEOUT', `the prediction took longer than ${this.timeoutMs} ms`),
          ),
        this.timeoutMs,
      )
      this.pending.set(id, { resolve, reject, timer })
      const request: PredictRequest = {
        type: 'predict',
        id,
        modelDir,
        image,
        ...(top !== undefined && { top }),
      }
      worker.postMessage(request)
    })
  }

  async close(): Promise<void> {
    this.closed = true
    await this.endThread(appError('SHUTTING_DOWN', 'the server is stopping'))
  }

  private started(): Worker {
    if (this.worker) return this.worker
    const entry = workerEntry(
      import.meta.url,
      'predictor-worker',
      '../engine/worker/predictor-worker.ts',
    )
    const worker = new Worker(entry.url, { workerData: this.setup, execArgv: entry.execArgv })
    // An idle predictor must not keep a stopping process alive.
    worker.unref()
    worker.on('message', (message: PredictorMessage) => {
      const waiting = this.pending.get(message.id)
      if (!waiting) return
      this.pending.delete(message.id)
      clearTimeout(waiting.timer)
      if (message.type === 'predicted')
        waiting.resolve({
          task: message.task,
          predictions: message.predictions,
          loadedModel: message.loadedModel,
        })
      else waiting.reject(new AppFailure(message.error))
    })
    const died = (reason: string) => {
      if (this.worker !== worker) return
      this.worker = undefined
      this.rejectAll(appError('WORKER_DIED', `the predictor worker ${reason}`))
    }
    worker.on('error', (error) => died(`crashed: ${error.message}`))
    worker.on('exit', (code) => died(`exited (code ${code})`))
    this.worker = worker
    return worker
  }

  private rejectAll(error: ReturnType<typeof appError>): void {
    for (const waiting of this.pending.values()) {
      clearTimeout(waiting.timer)
      waiting.reject(new AppFailure(error))
    }
    this.pending.clear()
  }

  private async endThread(error: ReturnType<typeof appError>): Promise<void> {
    const worker = this.worker
    this.worker = undefined
    this.rejectAll(error)
    await worker?.terminate()
  }
}
