// Training that can pause and continue: after every epoch the loop's state goes into the job's
// checkpoint folder, and a run asked to resume starts from the checkpoint it names, once it has
// checked that the checkpoint was made with the same parameters and the same dataset.

import { AppFailure, appError } from '../../../src-shared/errors'
import { taskOfParams, type TrainParams } from '../../../src-shared/train-params'
import type { EpochMetrics } from '../../../src-shared/job-events'
import {
  disposeLoopTensors,
  readCheckpoint,
  writeCheckpoint,
  type Checkpoint,
  type LoopState,
  type LoopTensors,
} from '../trainer/training-checkpoint'
import type { TrainingRequest } from './training-protocol'

/** What a task's training takes to continue a checkpoint and to write its own. */
export interface ResumableOptions {
  resume?: { state: LoopState; tensors: LoopTensors }
  onCheckpoint?: (state: LoopState, tensors: LoopTensors) => Promise<void>
}

/**
 * Whether two sets of parameters are the same, key by key (an absent key equals only another),
 * except `task`: checkpoints written before it existed lack it, and absent means classification.
 */
export function sameParams(a: TrainParams, b: TrainParams): boolean {
  if (taskOfParams(a) !== taskOfParams(b)) return false
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((key) => key !== 'task')
    .sort()
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

/**
 * The task's training, checkpointed into request.checkpoint.dir and resumed when it says so;
 * every task's training takes the same two options, so this names none.
 */
export async function trainResumable<O extends ResumableOptions, R>(
  request: TrainingRequest,
  train: (opts: O) => Promise<R>,
  opts: Omit<O, 'resume' | 'onCheckpoint'>,
  post: (message: { type: 'epoch'; metrics: EpochMetrics }) => void,
): Promise<R> {
  const plan = request.checkpoint
  if (!plan) return train(opts as O)
  const checkpoint = plan.resumeFrom
    ? await openCheckpoint(request, plan.datasetFingerprint, plan.resumeFrom)
    : undefined
  try {
    // The resumed job's log and chart show the epochs before the pause too.
    for (const metrics of checkpoint?.manifest.epochs ?? []) post({ type: 'epoch', metrics })
    return await train({
      ...(opts as O),
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
