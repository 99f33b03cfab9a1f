// What happens between epochs, decided from a lower-is-better validation value (a classifier's
// loss; the training loop turns a detector's mAP into 1 − mAP): the learning rate halves when it
// has stalled for a while (reduce-on-plateau), and training ends early when it has not improved
// for `patience` epochs, so the best epoch's weights can be put back.

/** Epochs without improvement before the learning rate halves. */
export const PLATEAU_EPOCHS = 2
export const PLATEAU_FACTOR = 0.5
/** The rate never drops below the starting rate divided by this. */
export const MIN_RATE_DIVISOR = 32
/** A loss must beat the best by this share to count as better (noise is not progress). */
const MIN_RELATIVE_IMPROVEMENT = 1e-4

export interface ScheduleOptions {
  learningRate: number
  /** Epochs without improvement before stopping; 0 never stops early. */
  patience: number
  /** False keeps the learning rate fixed. */
  reduceOnPlateau: boolean
}

export interface EpochDecision {
  /** This epoch's loss is the best so far: its weights are the ones to keep. */
  improved: boolean
  /** Stop training now. */
  stop: boolean
  /** The learning rate for the next epoch. */
  learningRate: number
}

/** Everything the schedule has learnt so far, plain JSON, for a checkpoint. */
export interface ScheduleState {
  learningRate: number
  /** The best validation loss so far; null before the first finite one (JSON has no Infinity). */
  best: number | null
  bestEpoch: number
  epoch: number
  sinceBest: number
  sinceReduction: number
}

export interface TrainingSchedule {
  observe(valLoss: number): EpochDecision
  snapshot(): ScheduleState
  /** The epoch (from 1) with the lowest validation loss so far, 0 before the first. */
  readonly bestEpoch: number
}

/** A schedule, continuing from `from` (a checkpoint's state) when given. */
export function trainingSchedule(opts: ScheduleOptions, from?: ScheduleState): TrainingSchedule {
  const minRate = opts.learningRate / MIN_RATE_DIVISOR
  let learningRate = from?.learningRate ?? opts.learningRate
  let best = from?.best ?? Infinity
  let bestEpoch = from?.bestEpoch ?? 0
  let epoch = from?.epoch ?? 0
  let sinceBest = from?.sinceBest ?? 0
  let sinceReduction = from?.sinceReduction ?? 0
  return {
    snapshot: () => ({
      learningRate,
      best: Number.isFinite(best) ? best : null,
      bestEpoch,
      epoch,
      sinceBest,
      sinceReduction,
    }),
    get bestEpoch() {
      return bestEpoch
    },
    observe(valLoss) {
      epoch++
      // NaN never improves; the first finite loss always does.
      const improved =
        Number.isFinite(valLoss) &&
        (best === Infinity || valLoss < best * (1 - MIN_RELATIVE_IMPROVEMENT))
      if (improved) {
        best = valLoss
        bestEpoch = epoch
        sinceBest = 0
        sinceReduction = 0
      } else {
        sinceBest++
        sinceReduction++
        if (opts.reduceOnPlateau && sinceReduction >= PLATEAU_EPOCHS && learningRate > minRate) {
          learningRate = Math.max(minRate, learningRate * PLATEAU_FACTOR)
          sinceReduction = 0
        }
      }
      return { improved, stop: opts.patience > 0 && sinceBest >= opts.patience, learningRate }
    },
  }
}
