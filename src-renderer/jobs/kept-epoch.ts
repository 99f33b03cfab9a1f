// Which epoch's weights a run's model holds, for the curves' best-epoch mark while it trains.

/**
 * The epoch whose weights the model keeps: what the run reports once it has ended; while it runs
 * with early stopping off (patience 0) the last epoch, since nothing is put back; else undefined,
 * and the curves mark the lowest validation loss as early stopping would.
 */
export function keptEpoch(
  reported: number | undefined,
  patience: number | undefined,
  epochs: readonly { epoch: number }[],
): number | undefined {
  if (reported !== undefined) return reported
  return patience === 0 ? epochs.at(-1)?.epoch : undefined
}
