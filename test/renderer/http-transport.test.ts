// @vitest-environment jsdom
// The browser transport against a fake fetch and EventSource: routes, error bodies, and job event
// streams that skip replays and close once the job has ended, and a client's sync progress.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { AppFailure } from '../../src-shared/errors'
import type { JobEvent } from '../../src-shared/job-events'
import { createHttpTransport } from '../../src-renderer/api/http-transport'

class FakeEventSource {
  static last: FakeEventSource | undefined
  readonly listeners = new Map<string, ((event: MessageEvent<string>) => void)[]>()
  closed = false
  constructor(readonly url: string) {
    FakeEventSource.last = this
  }
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener])
  }
  close(): void {
    this.closed = true
  }
  send(type: string, data: unknown): void {
    const message = { data: JSON.stringify(data) } as MessageEvent<string>
    for (const listener of this.listeners.get(type) ?? []) listener(message)
  }
}

const ORIGIN = 'http://127.0.0.1:8000'
const at = new Date(0).toISOString()

describe('HTTP transport', () => {
  const fetchMock = vi.fn()

  beforeEach(() => {
    vi.stubGlobal('fetch', fetchMock)
    vi.stubGlobal('EventSource', FakeEventSource)
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    fetchMock.mockReset()
  })

  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

  it('calls the documented routes', async () => {
    fetchMock.mockImplementation(async () => json(200, []))
    const api = createHttpTransport(ORIGIN)
    await api.listClients()
    await api.getDataset('client 0')
    await api.syncDataset('client0')
    await api.listJobs('client0')
    await api.startTraining({
      client: 'client0',
      trainType: 'classification',
      params: { epochs: 2 },
    })
    await api.stopTraining('client0')
    await api.listModelFiles('client0')
    await api.getTrainDefaults('client0')
    const calls = fetchMock.mock.calls.map(
      ([url, init]) => `${(init as RequestInit).method ?? 'GET'} ${url as string}`,
    )
    expect(calls).toEqual([
      `GET ${ORIGIN}/api/clients`,
      `GET ${ORIGIN}/api/clients/client%200/dataset`,
      `POST ${ORIGIN}/api/clients/client0/sync`,
      `GET ${ORIGIN}/api/jobs?client=client0&limit=500`,
      `POST ${ORIGIN}/api/jobs`,
      `GET ${ORIGIN}/interrupt?bucket_name=client0`,
      `GET ${ORIGIN}/api/clients/client0/models`,
      `GET ${ORIGIN}/api/clients/client0/train-defaults`,
    ])
    expect(JSON.parse(fetchMock.mock.calls[4]?.[1].body as string)).toEqual({
      client: 'client0',
      trainType: 'classification',
      params: { epochs: 2 },
    })
    expect(api.thumbnailUrl('client0', 'a b/c.jpg', 128)).toBe(
      `${ORIGIN}/api/clients/client0/thumbnails/a%20b%2Fc.jpg?size=128`,
    )
  })

  it('posts an image as its own bytes and type, and links model files by key', async () => {
    fetchMock.mockResolvedValue(json(200, { model: { bucket: 'b', etag: 'e' }, predictions: [] }))
    const api = createHttpTransport(ORIGIN)
    const image = new Uint8Array([1, 2, 3])
    await api.predict('client 0', image, 'image/webp', 3)
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit]
    expect(url).toBe(`${ORIGIN}/api/clients/client%200/predict?top=3`)
    expect(init.method).toBe('POST')
    expect((init.headers as Record<string, string>)['Content-Type']).toBe('image/webp')
    expect([...(init.body as Uint8Array)]).toEqual([1, 2, 3])
    expect(api.modelFileUrl('client0', 'runs/a b/model.h5')).toBe(
      `${ORIGIN}/api/clients/client0/models/runs/a%20b/model.h5`,
    )
  })

  it('calls the versions routes, and sends the promote option with a training request', async () => {
    fetchMock.mockImplementation(async () => json(200, []))
    const api = createHttpTransport(ORIGIN)
    await api.listModelVersions('client0')
    await api.promoteModelVersion('client0', 'client0-20240101t000000000-abc123')
    await api.startTraining({
      client: 'client0',
      trainType: 'classification',
      params: {},
      promote: 'always',
    })
    const calls = fetchMock.mock.calls.map(
      ([url, init]) => `${(init as RequestInit).method ?? 'GET'} ${url as string}`,
    )
    expect(calls.slice(0, 2)).toEqual([
      `GET ${ORIGIN}/api/clients/client0/versions`,
      `POST ${ORIGIN}/api/clients/client0/models/client0-20240101t000000000-abc123/promote`,
    ])
    expect(JSON.parse(fetchMock.mock.calls[2]?.[1].body as string)).toMatchObject({
      promote: 'always',
    })
  })

  it('throws the error body as an AppFailure, keeping code and location', async () => {
    fetchMock.mockResolvedValue(
      json(400, {
        error: { code: 'INVALID_PARAMETER', message: 'epochs too large', field: 'epochs' },
      }),
    )
    const failure = await createHttpTransport(ORIGIN)
      .listJobs()
      .catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(AppFailure)
    expect((failure as AppFailure).error).toEqual({
      code: 'INVALID_PARAMETER',
      message: 'epochs too large',
      field: 'epochs',
    })
  })

  it('keeps a code this page does not know in details, not as the error code', async () => {
    fetchMock.mockResolvedValueOnce(
      json(409, { error: { code: 'SOMETHING_NEWER', message: 'a newer server says no' } }),
    )
    const failure = await createHttpTransport(ORIGIN)
      .listJobs()
      .catch((e: unknown) => e)
    expect((failure as AppFailure).error).toEqual({
      code: 'UNEXPECTED_RESPONSE',
      message: 'a newer server says no',
      details: { status: 409, code: 'SOMETHING_NEWER' },
    })
  })

  it('names a status without an error body, and an endpoint that does not answer', async () => {
    fetchMock.mockResolvedValueOnce(
      new Response('nope', { status: 502, statusText: 'Bad Gateway' }),
    )
    const bad = await createHttpTransport(ORIGIN)
      .listClients()
      .catch((e: unknown) => e)
    expect((bad as AppFailure).error).toMatchObject({
      code: 'UNEXPECTED_RESPONSE',
      details: { status: 502 },
    })
    fetchMock.mockRejectedValueOnce(new TypeError('Failed to fetch'))
    const gone = await createHttpTransport(ORIGIN)
      .listClients()
      .catch((e: unknown) => e)
    expect((gone as AppFailure).error.code).toBe('SERVER_UNREACHABLE')
  })

  it('streams job events once each and closes after the job ended', () => {
    const received: JobEvent[] = []
    const unsubscribe = createHttpTransport(ORIGIN).onJobEvent('client0-1', (e) => received.push(e))
    const source = FakeEventSource.last as FakeEventSource
    expect(source.url).toBe(`${ORIGIN}/api/jobs/client0-1/events`)
    source.send('stage', { type: 'stage', seq: 0, at, state: 'queued' })
    source.send('queued', { type: 'queued', seq: 1, at, message: 'waiting for a free slot' })
    source.send('stage', { type: 'stage', seq: 2, at, state: 'training' })
    source.send('stage', { type: 'stage', seq: 2, at, state: 'training' }) // replayed after a reconnect
    source.send('stage', { type: 'stage', seq: 3, at, state: 'done' })
    expect(source.closed).toBe(false)
    source.send('result', { type: 'result', seq: 4, at, result: { jobId: 'client0-1' } })
    expect(received.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4])
    expect(received[1]?.type).toBe('queued')
    expect(source.closed).toBe(true)
    unsubscribe()
  })

  it('closes the stream on unsubscribe', () => {
    const unsubscribe = createHttpTransport(ORIGIN).onJobEvent('j', () => undefined)
    unsubscribe()
    expect(FakeEventSource.last?.closed).toBe(true)
  })

  it("streams a client's sync progress from its events route until unsubscribed", () => {
    const api = createHttpTransport(ORIGIN)
    const seen: unknown[] = []
    const stop = api.onSyncProgress('client 0', (progress) => seen.push(progress))
    const source = FakeEventSource.last
    expect(source?.url).toBe(`${ORIGIN}/api/clients/client%200/sync/events`)
    const step = {
      client: 'client 0',
      stage: 'syncing',
      filesDone: 2,
      filesTotal: 5,
      bytesDone: 20,
      bytesTotal: 50,
    }
    source?.send('progress', step)
    source?.send('progress', { client: 'client 0', stage: 'validating' })
    expect(seen).toEqual([step, { client: 'client 0', stage: 'validating' }])
    stop()
    expect(source?.closed).toBe(true)
  })
})
