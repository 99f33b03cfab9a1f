// How much memory a training needs, estimated from its parameters before any image is decoded,
// and the refusal (TRAINING_TOO_LARGE) when that is above what the machine may give it. The
// request is checked as soon as it arrives, again once the dataset has chosen the parameters
// left unset, and in the worker once the backbone's input size and the backend are known.

import { totalmem } from 'node:os'
import { AppFailure, appError } from '../../../src-shared/errors'
import type { TrainParams } from '../../../src-shared/train-params'

const CHANNELS = 3
const BYTES_PER_VALUE = 4

/**
 * Peak bytes per input-batch byte: the network's activations, their gradients and the optimizer's
 * temporaries. A network trained from scratch keeps 16 feature maps at full resolution and more
 * at each halving, for the forward and the backward pass; a frozen backbone only runs forward and
 * keeps nothing for gradients.
 */
const ACTIVATION_FACTOR = { trained: 16, frozenBackbone: 6 } as const

/** The wasm backend's heap cannot grow past 4 GiB, whatever the machine has. */
export const WASM_MEMORY_BYTES = 4 * 1024 ** 3

/** The configured limit, or half of the machine's memory when it is 0. */
export function trainingMemoryLimit(configured: number, backend?: string): number {
  const limit = configured > 0 ? configured : Math.floor(totalmem() / 2)
  return backend === 'wasm' ? Math.min(limit, WASM_MEMORY_BYTES) : limit
}

type MemoryParams = Pick<TrainParams, 'batchSize' | 'imageSize' | 'architecture'> &
  Partial<Pick<TrainParams, 'fineTuneLayers'>>

/** Estimated peak bytes of one training step; `inputSide` is a backbone's own input size. */
export function estimateTrainingBytes(params: MemoryParams, inputSide = params.imageSize): number {
  const frozen = params.architecture === 'transfer' && (params.fineTuneLayers ?? 0) === 0
  const factor = frozen ? ACTIVATION_FACTOR.frozenBackbone : ACTIVATION_FACTOR.trained
  return params.batchSize * inputSide * inputSide * CHANNELS * BYTES_PER_VALUE * factor
}

function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`
}

/** Throws TRAINING_TOO_LARGE when the estimate is above `limitBytes`. */
export function checkTrainingMemory(
  params: MemoryParams,
  limitBytes: number,
  inputSide = params.imageSize,
): void {
  const estimatedBytes = estimateTrainingBytes(params, inputSide)
  if (estimatedBytes <= limitBytes) return
  const size =
    inputSide === params.imageSize
      ? `image_size=${params.imageSize}`
      : `the backbone's ${inputSide}×${inputSide} input`
  throw new AppFailure(
    appError(
      'TRAINING_TOO_LARGE',
      `training at ${size} with batch_size=${params.batchSize} would need about ` +
        `${gib(estimatedBytes)} of memory, above the ${gib(limitBytes)} limit; lower batch_size` +
        (inputSide === params.imageSize ? ' or image_size' : ' or choose a smaller backbone'),
      {
        field: 'batch_size',
        details: {
          estimatedBytes,
          limitBytes,
          fields: ['batch_size', 'image_size'],
          batchSize: params.batchSize,
          imageSize: params.imageSize,
          inputSide,
        },
      },
    ),
  )
}
