// Adam's update for small weights as one kernel: new moments and new value from one pass over the
// gradient. tfjs' optimizer spends about thirteen ops per weight on it, and for the biases, batch-
// norm scales and small kernels of a compact CNN each op's fixed cost is most of its time (a cnn
// step ran some 230 of them). Large weights keep tfjs' ops: on wasm those loops beat JavaScript's
// (measured 1.5–2.0 ms against 2.9–3.5 ms for 225k weights). Same formulas as tfjs'
// AdamOptimizer, the same state (moments, powers of the betas, iterations) in the same variables,
// so checkpoints and getWeights are unchanged. Registered on wasm and cpu; other backends keep
// tfjs' own update.

import * as tf from '@tensorflow/tfjs'
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs'
import { tensorAccess, TYPED_ARRAY_BACKENDS } from './typed-array-backends'

export const ADAM_UPDATE = 'AdamUpdate'
/** Weights up to this many values take the one-kernel update. */
export const SMALL_WEIGHT_SIZE = 16_384

interface AdamAttrs {
  learningRate: number
  beta1: number
  beta2: number
  epsilon: number
}

/** Writes the new value and moments; `corrections` are 1 − β₁ᵗ and 1 − β₂ᵗ. */
function adamStep(
  value: Float32Array,
  gradient: Float32Array,
  m: Float32Array,
  v: Float32Array,
  out: { value: Float32Array; m: Float32Array; v: Float32Array },
  attrs: AdamAttrs,
  correction1: number,
  correction2: number,
): void {
  const { learningRate, beta1, beta2, epsilon } = attrs
  for (let i = 0; i < value.length; i++) {
    const g = gradient[i]!
    const newM = m[i]! * beta1 + g * (1 - beta1)
    const newV = v[i]! * beta2 + g * g * (1 - beta2)
    out.m[i] = newM
    out.v[i] = newV
    out.value[i] =
      value[i]! - (learningRate * (newM / correction1)) / (Math.sqrt(newV / correction2) + epsilon)
  }
}

function adamUpdate(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { value, gradient, m, v, accBeta1, accBeta2 } = inputs as Record<
      'value' | 'gradient' | 'm' | 'v' | 'accBeta1' | 'accBeta2',
      TensorInfo
    >
    const a = attrs as unknown as AdamAttrs
    const io = tensorAccess(backendName, backend)
    const correction1 = 1 - io.read(accBeta1)[0]!
    const correction2 = 1 - io.read(accBeta2)[0]!
    const newValue = io.make(value.shape, () => undefined)
    const newM = io.make(value.shape, () => undefined)
    const newV = io.make(value.shape, () => undefined)
    // Views after every allocation: each may have grown (and moved) the wasm heap.
    adamStep(
      io.read(value),
      io.read(gradient),
      io.read(m),
      io.read(v),
      { value: io.read(newValue), m: io.read(newM), v: io.read(newV) },
      a,
      correction1,
      correction2,
    )
    return [newValue, newM, newV]
  }
}

let registered = false

function registerAdamUpdate(): void {
  if (registered) return
  registered = true
  for (const backendName of TYPED_ARRAY_BACKENDS)
    tf.registerKernel({ kernelName: ADAM_UPDATE, backendName, kernelFunc: adamUpdate(backendName) })
}

/** The state tfjs' AdamOptimizer keeps (its fields, private in its typings). */
interface AdamState {
  learningRate: number
  beta1: number
  beta2: number
  epsilon: number
  accBeta1: tf.Variable
  accBeta2: tf.Variable
  accumulatedFirstMoment: ({ originalName: string; variable: tf.Variable } | undefined)[]
  accumulatedSecondMoment: ({ originalName: string; variable: tf.Variable } | undefined)[]
  incrementIterations(): void
}

/** tfjs' AdamOptimizer's own ops for one weight, in its order. */
function tfjsAdamStep(
  value: tf.Variable,
  gradient: tf.Tensor,
  m: tf.Variable,
  v: tf.Variable,
  state: AdamState,
): void {
  const { beta1, beta2 } = state
  const newM = tf.add(tf.mul(m, beta1), tf.mul(gradient, 1 - beta1))
  const newV = tf.add(tf.mul(v, beta2), tf.mul(tf.square(gradient), 1 - beta2))
  const mHat = tf.div(newM, tf.sub(1, state.accBeta1))
  const vHat = tf.div(newV, tf.sub(1, state.accBeta2))
  m.assign(newM)
  v.assign(newV)
  const step = tf.div(mHat, tf.add(tf.sqrt(vHat), state.epsilon))
  value.assign(tf.add(tf.mul(step, -state.learningRate), value))
}

type VariableGradients = Parameters<tf.AdamOptimizer['applyGradients']>[0]

class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: VariableGradients): void {
    if (!(TYPED_ARRAY_BACKENDS as readonly string[]).includes(tf.getBackend())) {
      super.applyGradients(variableGradients)
      return
    }
    const state = this as unknown as AdamState
    const entries = Array.isArray(variableGradients)
      ? variableGradients.map(({ name, tensor }) => [name, tensor] as const)
      : Object.entries(variableGradients as Record<string, tf.Tensor | undefined>)
    const attrs = {
      learningRate: state.learningRate,
      beta1: state.beta1,
      beta2: state.beta2,
      epsilon: state.epsilon,
    }
    tf.tidy(() => {
      entries.forEach(([name, gradient], i) => {
        const value = tf.engine().registeredVariables[name] as tf.Variable
        const moment = (slot: 'm' | 'v') => ({
          originalName: `${name}/${slot}`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        })
        state.accumulatedFirstMoment[i] ??= moment('m')
        state.accumulatedSecondMoment[i] ??= moment('v')
        if (gradient == null) return
        const m = state.accumulatedFirstMoment[i].variable
        const v = state.accumulatedSecondMoment[i].variable
        if (value.size > SMALL_WEIGHT_SIZE) {
          tfjsAdamStep(value, gradient, m, v, state)
          return
        }
        const [newValue, newM, newV] = tf.engine().runKernel(
          ADAM_UPDATE,
          {
            value,
            gradient,
            m,
            v,
            accBeta1: state.accBeta1,
            accBeta2: state.accBeta2,
          } as unknown as tf.NamedTensorMap,
          attrs as unknown as tf.NamedAttrMap,
        ) as tf.Tensor[]
        m.assign(newM!)
        v.assign(newV!)
        value.assign(newValue!)
      })
      state.accBeta1.assign(tf.mul(state.accBeta1, state.beta1))
      state.accBeta2.assign(tf.mul(state.accBeta2, state.beta2))
    })
    state.incrementIterations()
  }
}

/** tf.train.adam with the one-kernel update of small weights on wasm and cpu. */
export function adam(learningRate: number): tf.AdamOptimizer {
  registerAdamUpdate()
  return new FusedAdamOptimizer(learningRate, 0.9, 0.999)
}
