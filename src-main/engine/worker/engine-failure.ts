// What a failure inside the training engine means for the user. The wasm module reports running
// out of memory as a bare `Aborted(). Build with -sASSERTIONS for more info.` (a RuntimeError),
// and a JavaScript heap as a failed allocation; both become ENGINE_OUT_OF_MEMORY, naming the
// parameters that decide how much memory a training takes.

import { appError, toAppError, type AppError } from '../../../src-shared/errors'
import type { TrainParams } from '../../../src-shared/train-params'
import { WASM_MEMORY_BYTES } from './training-memory'

const OUT_OF_MEMORY =
  /Aborted\(|Cannot enlarge memory|out of memory|\bOOM\b|Array buffer allocation failed|Invalid typed array length/i

export function isOutOfMemory(thrown: unknown): boolean {
  // WebAssembly.RuntimeError: what a trap or an abort inside the module throws.
  if (thrown instanceof Error && thrown.name === 'RuntimeError') return true
  const message = thrown instanceof Error ? thrown.message : String(thrown)
  return OUT_OF_MEMORY.test(message)
}

export interface EngineContext {
  params: Pick<TrainParams, 'batchSize' | 'imageSize'>
  /** The backend that was training, once known. */
  backend?: string
  /** The input side actually trained at (a backbone's own), when it differs from imageSize. */
  inputSide?: number
}

/** The AppError a worker reports for what it caught. */
export function engineFailure(thrown: unknown, context: EngineContext): AppError {
  if (!isOutOfMemory(thrown)) return toAppError(thrown, 'TRAINING_FAILED')
  const { params, backend } = context
  const side = context.inputSide ?? params.imageSize
  const engine =
    backend === 'wasm'
      ? `the wasm engine ran out of memory (${WASM_MEMORY_BYTES / 1024 ** 3} GB limit)`
      : `the ${backend ?? 'training'} engine ran out of memory`
  const size = side === params.imageSize ? `image_size=${side}` : `a ${side}×${side} backbone input`
  return appError(
    'ENGINE_OUT_OF_MEMORY',
    `${engine} while training at ${size}, batch_size=${params.batchSize}; lower them`,
    {
      field: 'batch_size',
      details: {
        fields: ['batch_size', 'image_size'],
        batchSize: params.batchSize,
        imageSize: params.imageSize,
        inputSide: side,
        ...(backend !== undefined && { backend }),
      },
    },
  )
}
