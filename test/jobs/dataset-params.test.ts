// Parameters a caller leaves unset follow from the dataset once it is validated; the ones it set
// are never changed. Runs real jobs against the embedded store.

import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_TRAIN_PARAMS } from '../../src-shared/train-params'
import { startTestServer, type TestServer } from '../http/server-fixture'
import { resultOf } from '../robustness/fault-fixture'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
  // Small pictures: 16–24 px, well under the 64 px default input.
  await server.seedClient('client0', { classes: 2, imagesPerClass: 12, size: 24 })
}, 60_000)
afterAll(async () => {
  await server?.close()
})

async function medianShorterSide(): Promise<number> {
  const dir = join(server.home, 'train_data', 'client0', 'images')
  const sides: number[] = []
  for (const name of await readdir(dir)) {
    const { width, height } = await sharp(join(dir, name)).metadata()
    sides.push(Math.min(width ?? 0, height ?? 0))
  }
  sides.sort((a, b) => a - b)
  return sides[Math.floor(sides.length / 2)] ?? 0
}

describe('parameters chosen from the dataset', () => {
  it('takes the input size from the images when none is given, and keeps the given epochs', async () => {
    const { job } = server.core.jobs.start({
      client: 'client0',
      trainType: 'classification',
      params: { epochs: 1, batchSize: 8 },
    })
    const result = await resultOf(job)
    expect(result.state).toBe('done')
    const median = await medianShorterSide()
    expect(median).toBeLessThan(DEFAULT_TRAIN_PARAMS.imageSize)
    expect(job.params).toMatchObject({ imageSize: Math.max(16, median), epochs: 1, batchSize: 8 })
    expect(job.summary().params.imageSize).toBe(Math.max(16, median))
    const chosen = job.log
      .all()
      .find((e) => e.type === 'log' && e.message.startsWith('chosen for 24 images'))
    expect(chosen).toMatchObject({ message: expect.stringContaining(`imageSize ${median}`) })
  }, 120_000)

  it('never overrides a parameter the caller gave', async () => {
    const { job } = server.core.jobs.start({
      client: 'client0',
      trainType: 'classification',
      params: { epochs: 1, imageSize: 32 },
    })
    expect((await resultOf(job)).state).toBe('done')
    expect(job.params.imageSize).toBe(32)
    expect(job.params.epochs).toBe(1)
    const logs = job.log.all().filter((e) => e.type === 'log' && e.message.startsWith('chosen'))
    expect(logs).toEqual([])
  }, 120_000)
})
