// An optimizer's state as checkpoint tensors and back. getWeights/setWeights carry the iteration
// count and the moments; Adam's running powers of beta1 and beta2 are saved beside them because
// setWeights recomputes them with a different rounding, and a resumed run must step exactly as
// the paused one would have.

import * as tf from '@tensorflow/tfjs'
import type { NamedTensor } from './training-checkpoint'

interface AdamPowers {
  accBeta1?: tf.Variable
  accBeta2?: tf.Variable
}
const ADAM_POWERS = ['accBeta1', 'accBeta2'] as const

/**
 * The optimizer's state. The iteration count is a new tensor (the caller disposes it, see
 * releaseOptimizerState); the rest are the optimizer's own variables.
 */
export async function optimizerState(optimizer: tf.Optimizer): Promise<NamedTensor[]> {
  const powers = optimizer as unknown as AdamPowers
  const extra = ADAM_POWERS.flatMap((name) => {
    const tensor = powers[name]
    return tensor ? [{ name: `adam/${name}`, tensor }] : []
  })
  return [...(await optimizer.getWeights()), ...extra]
}

/** Disposes what optimizerState made for the caller, leaving the optimizer's variables alone. */
export function releaseOptimizerState(saved: NamedTensor[]): void {
  saved.find(({ name }) => name === 'iter')?.tensor.dispose()
}

/** Puts saved state into a fresh optimizer of the same kind; the caller keeps `saved`. */
export async function restoreOptimizer(
  optimizer: tf.Optimizer,
  saved: NamedTensor[],
): Promise<void> {
  const own = saved.filter(({ name }) => !name.startsWith('adam/'))
  // setWeights makes variables that share the given tensors' data: copies keep the caller's
  // tensors its own, and the copies' handles can go once the variables hold the data.
  const copies = own.map(({ name, tensor }) => ({ name, tensor: tf.clone(tensor) }))
  try {
    await optimizer.setWeights(copies)
  } finally {
    for (const { tensor } of copies) tensor.dispose()
  }
  const powers = optimizer as unknown as AdamPowers
  for (const name of ADAM_POWERS) {
    const value = saved.find((entry) => entry.name === `adam/${name}`)?.tensor
    if (value) powers[name]?.assign(value)
  }
}
