import { createRequire } from 'node:module'
import * as tf from '@tensorflow/tfjs'
import { describe, expect, it } from 'vitest'
import { AppFailure } from '../../src-shared/errors'
import { backendThreads, selectBackend } from '../../src-main/engine/backend/select-backend'

function installed(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name)
    return true
  } catch {
    return false
  }
}

const nativeInstalled = installed('@tensorflow/tfjs-node')

describe('selectBackend', () => {
  it.skipIf(nativeInstalled)('refuses a forced backend that cannot load', async () => {
    const failure = await selectBackend('tensorflow').catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(AppFailure)
    expect((failure as AppFailure).error).toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      field: 'backend',
      details: { backend: 'tensorflow' },
    })
  })

  it.skipIf(nativeInstalled)(
    'falls back to wasm with two threads, and trains a conv layer',
    async () => {
      expect(await selectBackend(undefined, { threads: 2 })).toBe('wasm')
      expect(tf.getBackend()).toBe('wasm')
      expect(backendThreads()).toBe(2)
      // The shipped wasm backend has no Conv2DBackpropFilter: this fails without the project's kernels.
      const grad = tf.tidy(() =>
        tf.grad((filter: tf.Tensor) =>
          tf.sum(
            tf.conv2d(tf.ones([1, 4, 4, 1]) as tf.Tensor4D, filter as tf.Tensor4D, 1, 'valid'),
          ),
        )(tf.ones([3, 3, 1, 1])),
      )
      expect(Array.from(grad.dataSync())).toEqual(Array(9).fill(4))
      grad.dispose()
    },
  )

  it('switches to a forced cpu backend and back', async () => {
    expect(await selectBackend('cpu')).toBe('cpu')
    expect(tf.getBackend()).toBe('cpu')
    expect(backendThreads()).toBe(1)
    expect(await selectBackend('wasm')).toBe('wasm')
  })
})
