// The detector's learning rate per step: cosine decay from the recipe's rate to a floor over the
// planned steps. A short run spends its last epochs at small steps, settling the weights that
// early stopping keeps, where halving on a plateau needed stalls (and epochs) to act at all.

/** The rate never falls below the starting rate times this. */
export const COSINE_FLOOR = 0.02

/** The learning rate for `step` (from 0) of `totalSteps`. */
export function cosineRate(base: number, step: number, totalSteps: number): number {
  const progress = Math.min(1, Math.max(0, step / Math.max(1, totalSteps)))
  return base * (COSINE_FLOOR + (1 - COSINE_FLOOR) * 0.5 * (1 + Math.cos(Math.PI * progress)))
}
