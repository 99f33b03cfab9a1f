// What a segmentation job hands the training worker: every object's box with its mask, as the
// validator read it (compressed RLE in the image's pixels), for every image of the dataset. The
// worker is replaced by a stand-in that keeps the request and refuses it, so the test needs no
// engine and ends as soon as the request is made.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { AppFailure, appError } from '../../src-shared/errors'
import type { TrainingRequest } from '../../src-main/engine/worker/training-protocol'
import { rawRequest, startTestServer, streamLines, type TestServer } from '../http/server-fixture'

const requests = vi.hoisted(() => [] as unknown[])

vi.mock('../../src-main/jobs/run-training-worker', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src-main/jobs/run-training-worker')>()),
  runTrainingWorker: (request: unknown) => {
    requests.push(request)
    return Promise.reject(new AppFailure(appError('NOT_IMPLEMENTED', 'stand-in worker')))
  },
}))

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
  await server.seedSegmentationClient('seg', { images: 12, size: 64, seed: 9 })
}, 120_000)
afterAll(() => server?.close())

describe('a segmentation job’s request to the worker', () => {
  it('carries every object’s mask with its box', async () => {
    const res = await rawRequest(
      server.port,
      '/progress?train_type=instance_segmentation&bucket_name=seg&epochs=1&image_size=64',
    )
    expect(res.status).toBe(200)
    expect(streamLines(res.text).at(-1)).toMatchObject({ state: 'failed' })
    const request = requests[0] as TrainingRequest
    expect(request.task).toBe('instance_segmentation')
    expect(request.items).toHaveLength(12)
    const boxes = request.items.flatMap((item) => item.boxes ?? [])
    expect(boxes.length).toBeGreaterThanOrEqual(24)
    for (const box of boxes) {
      expect(box.mask?.size).toEqual([64, 64])
      expect(typeof box.mask?.counts).toBe('string')
    }
  }, 120_000)
})
