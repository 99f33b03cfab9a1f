import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppError } from '../../src-shared/errors'
import type { TrainDefaultsView } from '../../src-shared/train-defaults'
import { DEFAULT_TRAIN_PARAMS } from '../../src-shared/train-params'
import { rawRequest, startTestServer, type TestServer } from './server-fixture'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
  await server.seedClient('small28', { classes: 2, imagesPerClass: 6, size: 28 })
  await server.seedBrokenClient('broken')
})
afterAll(async () => {
  await server?.close()
})

const defaultsOf = async (client: string) => {
  const res = await rawRequest(server.port, `/api/clients/${client}/train-defaults`)
  return { status: res.status, body: res.json<TrainDefaultsView & { error?: AppError }>() }
}

describe('GET /api/clients/:client/train-defaults', () => {
  it('answers the plain defaults, marked provisional, before the dataset is synced', async () => {
    const { status, body } = await defaultsOf('small28')
    expect(status).toBe(200)
    expect(body.basis).toBe('not-synced')
    expect(body.params.imageSize).toEqual({
      value: DEFAULT_TRAIN_PARAMS.imageSize,
      source: 'default',
    })
    expect(body.params.learningRate).toEqual({
      value: DEFAULT_TRAIN_PARAMS.learningRate,
      source: 'default',
    })
  })

  it('answers what a job would choose once the dataset is synced: small images train at their size', async () => {
    const sync = await rawRequest(server.port, '/api/clients/small28/sync', { method: 'POST' })
    expect(sync.status).toBe(200)
    const { status, body } = await defaultsOf('small28')
    expect(status).toBe(200)
    expect(body.basis).toBe('dataset')
    // The demo images vary in size up to 28 px; the job trains at their median side.
    expect(body.facts?.images).toBe(12)
    const side = body.facts?.medianSide ?? 0
    expect(side).toBeGreaterThanOrEqual(16)
    expect(side).toBeLessThanOrEqual(28)
    expect(body.params.imageSize).toEqual({ value: side, source: 'dataset' })
    // A dataset this small keeps the tuned batch size: that is the plain default.
    expect(body.params.batchSize).toEqual({ value: 16, source: 'default' })
    expect(body.params.seed).toEqual({ value: DEFAULT_TRAIN_PARAMS.seed, source: 'default' })
  })

  it('says a dataset that does not validate gives only provisional defaults', async () => {
    await rawRequest(server.port, '/api/clients/broken/sync', { method: 'POST' })
    const { status, body } = await defaultsOf('broken')
    expect(status).toBe(200)
    expect(body.basis).toBe('invalid')
    expect(body.params.imageSize?.source).toBe('default')
  })

  it('refuses a client name that is not one', async () => {
    const { status, body } = await defaultsOf('Not_A_Bucket')
    expect(status).toBe(400)
    expect(body.error?.code).toBe('INVALID_CLIENT_NAME')
  })
})
