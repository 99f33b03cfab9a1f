// Training that can pause and continue: after every epoch the loop's state goes into the job's
// checkpoint folder, and a run asked to resume starts from the checkpoint it names, once it has
// checked that the checkpoint was made with the same parameters and the same dataset.

import { AppFailure, appError } from '../../../src-shared/errors'
import type { TrainParams } from '../../../src-shared/train-params'
import {
  disposeLoopTensors,
  readCheckpoint,
  writeCheckpoint,
  type Checkpoint,
} from '../trainer/training-checkpoint'
import type {
  TrainClassifierOptions,
  TrainedClassifier,
} from '../tasks/classification/train-classifier'
import type { TrainingMessage, TrainingRequest } from './training-protocol'

/** Whether two sets of parameters are the same, key by key (an absent key equals only another). */
export function sameParams(a: TrainParams, b: TrainParams): boolean {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()
  return keys.every(
    (key) =>
      (a as unknown as Record<string, unknown>)[key] ===
      (b as unknown as Record<string, unknown>)[key],
  )
}

function notPossible(reason: string, message: string): AppFailure {
  return new AppFailure(appError('RESUME_NOT_POSSIBLE', message, { details: { reason } }))
}

async function openCheckpoint(
  request: TrainingRequest,
  fingerprint: string,
  from: string,
): Promise<Checkpoint> {
  const checkpoint = await readCheckpoint(from)
  if (checkpoint.manifest.datasetFingerprint !== fingerprint) {
    disposeLoopTensors(checkpoint.tensors)
    throw notPossible('dataset-changed', 'the dataset changed since the checkpoint was made')
  }
  if (!sameParams(checkpoint.manifest.params, request.params)) {
    disposeLoopTensors(checkpoint.tensors)
    throw notPossible('params-differ', 'the checkpoint was made with other parameters')
  }
  return checkpoint
}

/** The task's training, checkpointed into request.checkpoint.dir and resumed when it says so. */
export async function trainResumable(
  request: TrainingRequest,
  train: (opts: TrainClassifierOptions) => Promise<TrainedClassifier>,
  opts: Omit<TrainClassifierOptions, 'resume' | 'onCheckpoint'>,
  post: (message: TrainingMessage) => void,
): Promise<TrainedClassifier> {
  const plan = request.checkpoint
  if (!plan) return train(opts)
  const checkpoint = plan.resumeFrom
    ? await openCheckpoint(request, plan.datasetFingerprint, plan.resumeFrom)
    : undefined
  try {
    // The resumed job's log and chart show the epochs before the pause too.
    for (const metrics of checkpoint?.manifest.epochs ?? []) post({ type: 'epoch', metrics })
    return await train({
      ...opts,
      ...(checkpoint && {
        resume: { state: checkpoint.manifest, tensors: checkpoint.tensors },
      }),
      onCheckpoint: (state, tensors) =>
        writeCheckpoint(plan.dir, state, tensors, {
          params: request.params,
          datasetFingerprint: plan.datasetFingerprint,
        }),
    })
  } finally {
    if (checkpoint) disposeLoopTensors(checkpoint.tensors)
  }
}
