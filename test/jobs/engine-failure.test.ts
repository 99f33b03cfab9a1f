import { describe, expect, it } from 'vitest'
import { engineFailure, isOutOfMemory } from '../../src-main/engine/worker/engine-failure'

const params = { batchSize: 64, imageSize: 256 }

describe('engineFailure', () => {
  it("names the cause of the wasm module's bare abort", () => {
    const abort = new Error('Aborted(). Build with -sASSERTIONS for more info.')
    abort.name = 'RuntimeError'
    const error = engineFailure(abort, { params, backend: 'wasm' })
    expect(error.code).toBe('ENGINE_OUT_OF_MEMORY')
    expect(error.message).toContain('the wasm engine ran out of memory (4 GB limit)')
    expect(error.message).toContain('image_size=256, batch_size=64; lower them')
    expect(error.message).not.toContain('ASSERTIONS')
    expect(error.details).toMatchObject({ fields: ['batch_size', 'image_size'], backend: 'wasm' })
  })

  it("names a backbone's input when it is what was trained at", () => {
    const error = engineFailure(new Error('Aborted(OOM)'), {
      params,
      backend: 'wasm',
      inputSide: 4096,
    })
    expect(error.code).toBe('ENGINE_OUT_OF_MEMORY')
    expect(error.message).toContain('4096×4096 backbone input')
  })

  it('treats a failed JavaScript allocation as running out of memory too', () => {
    expect(isOutOfMemory(new RangeError('Array buffer allocation failed'))).toBe(true)
    expect(engineFailure(new RangeError('Array buffer allocation failed'), { params }).code).toBe(
      'ENGINE_OUT_OF_MEMORY',
    )
  })

  it('keeps other failures as they are', () => {
    const error = engineFailure(new Error('kernel Foo is not registered'), { params })
    expect(error).toMatchObject({
      code: 'TRAINING_FAILED',
      message: 'kernel Foo is not registered',
    })
  })
})
