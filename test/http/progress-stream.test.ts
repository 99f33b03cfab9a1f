import { access } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JobEvent, JobRecord, JobResult } from '../../src-shared/job-events'
import { FAST_PARAMS, rawRequest, startTestServer, until, type TestServer } from './server-fixture'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
  await Promise.all(
    ['client0', 'client1', 'client2'].map((client, i) =>
      server.seedClient(client, { classes: 2, imagesPerClass: 12, size: 40, seed: i + 1 }),
    ),
  )
})
afterAll(() => server?.close())

const progress = (client: string, extra = FAST_PARAMS) =>
  `/progress?train_type=classification&bucket_name=${client}&${extra}`

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  )
}

function parseSse(text: string): { id?: string; event?: string; data?: string }[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const fields: Record<string, string> = {}
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue
        const at = line.indexOf(': ')
        fields[line.slice(0, at)] = line.slice(at + 2)
      }
      return fields
    })
}

describe('GET /progress streams', () => {
  it('streams NDJSON events and ends with the seed result line; the model is in its bucket, not on disk', async () => {
    const res = await rawRequest(server.port, progress('client0'))
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('application/x-ndjson; charset=utf-8')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    const lines = res.text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown)
    const events = lines.slice(0, -1) as JobEvent[]
    const result = lines.at(-1) as JobResult
    expect(result, JSON.stringify(result.error)).toMatchObject({
      client: 'client0',
      state: 'done',
      Training: 'Succesfull',
      Storing: 'Succesfull',
    })
    expect(result.modelBucket).toBe('training-server-model-client0')
    expect(result.modelKeys?.map((k) => k.key)).toContain('model.h5')
    expect(result.metrics?.epochs).toHaveLength(2)
    expect(Object.keys(result.timings)).toEqual(
      expect.arrayContaining(['syncing', 'validating', 'training', 'exporting', 'uploading']),
    )
    // Every line before the last is a JobEvent, in log order from the first.
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i))
    const stages = events.flatMap((e) => (e.type === 'stage' ? [e.state] : []))
    expect(stages).toEqual([
      'queued',
      'syncing',
      'validating',
      'training',
      'exporting',
      'uploading',
      'done',
    ])
    expect(events.some((e) => e.type === 'report' && e.report.ok)).toBe(true)
    expect(events.filter((e) => e.type === 'epoch')).toHaveLength(2)
    expect(events.some((e) => e.type === 'progress' && e.stage === 'syncing')).toBe(true)
    const models = (await rawRequest(server.port, '/api/clients/client0/models')).json<
      { key: string }[]
    >()
    expect(models.map((m) => m.key)).toEqual(
      expect.arrayContaining(['model.h5', 'labels.json', 'metrics.json']),
    )
    expect(await exists(join(server.home, 'weights', 'client0'))).toBe(false)
    expect(
      await exists(join(server.home, 'train_data', 'client0', 'coco', 'annotations.json')),
    ).toBe(true)
  })

  it('joins: two requests for one client get one job, as SSE and as text for a browser tab', async () => {
    const [sse, tab] = await Promise.all([
      rawRequest(server.port, progress('client1'), { headers: { accept: 'text/event-stream' } }),
      rawRequest(server.port, progress('client1'), {
        headers: {
          accept: 'text/html,*/*;q=0.8',
          'sec-fetch-dest': 'document',
          'sec-fetch-site': 'none',
        },
      }),
    ])
    expect(sse.status).toBe(200)
    expect(sse.headers['content-type']).toBe('text/event-stream; charset=utf-8')
    const messages = parseSse(sse.text).filter((m) => m.data !== undefined)
    const events = messages.map((m) => JSON.parse(m.data ?? '') as JobEvent)
    expect(messages.map((m) => Number(m.id))).toEqual(events.map((e) => e.seq))
    expect(messages.map((m) => m.event)).toEqual(events.map((e) => e.type))
    expect(events[0]).toMatchObject({ seq: 0, type: 'stage', state: 'queued' })
    const last = events.at(-1)
    expect(last?.type).toBe('result')
    const sseResult = last?.type === 'result' ? last.result : undefined
    expect(sseResult, JSON.stringify(sseResult?.error)).toMatchObject({
      state: 'done',
      Training: 'Succesfull',
      Storing: 'Succesfull',
    })

    expect(tab.status).toBe(200)
    expect(tab.headers['content-type']).toBe('text/plain; charset=utf-8')
    const tabResult = JSON.parse(tab.text.trimEnd().split('\n').at(-1) ?? '') as JobResult
    expect(tabResult.jobId).toBe(sseResult?.jobId)
    expect(server.core.jobs.list('client1')).toHaveLength(1)
  })

  it('stays responsive while training and interrupts within 2 s, uploading nothing', async () => {
    const started = await rawRequest(
      server.port,
      progress('client2', 'epochs=300&image_size=32&wait=false'),
    )
    expect(started.status).toBe(202)
    const { jobId } = started.json<{ jobId: string; state: string }>()
    await until(
      () =>
        server.core.jobs
          .liveJob(jobId)
          ?.log.all()
          .some((e) => e.type === 'epoch') ?? false,
      60_000,
    )

    const timings: number[] = []
    for (let i = 0; i < 10; i++) {
      for (const path of ['/', `/api/jobs/${jobId}`]) {
        const t0 = performance.now()
        const res = await rawRequest(server.port, path)
        timings.push(performance.now() - t0)
        expect(res.status).toBe(200)
      }
    }
    timings.sort((a, b) => a - b)
    // The worker trains on its own thread; the endpoint answers as if idle.
    expect(timings[Math.floor(timings.length * 0.9)]).toBeLessThan(50)
    const record = (await rawRequest(server.port, `/api/jobs/${jobId}`)).json<JobRecord>()
    expect(record.state).toBe('training')

    // The same parameters (or none) join the running job; other values are refused, naming it.
    const same = await rawRequest(
      server.port,
      progress('client2', 'epochs=300&image_size=32&wait=false'),
    )
    expect(same.status).toBe(202)
    expect(same.json<{ jobId: string }>().jobId).toBe(jobId)
    for (const extra of ['epochs=2', 'epochs=300&learning_rate=0.1', 'wait=false&epochs=3']) {
      const other = await rawRequest(server.port, progress('client2', extra))
      expect(other.status, extra).toBe(409)
      expect(other.json(), extra).toMatchObject({
        error: {
          code: 'CLIENT_BUSY',
          details: { jobId, kind: 'training', params: { epochs: 300, imageSize: 32 } },
        },
      })
    }
    expect(server.core.jobs.list('client2')).toHaveLength(1)

    const t0 = performance.now()
    const interrupted = await rawRequest(server.port, '/interrupt?bucket_name=client2')
    expect(performance.now() - t0).toBeLessThan(2000)
    expect(interrupted.status).toBe(200)
    expect(interrupted.json()).toMatchObject({ id: jobId, state: 'interrupted' })
    const result = server.core.jobs.liveJob(jobId)?.result
    expect(result).toMatchObject({
      state: 'interrupted',
      Training: 'Interrupted',
      Storing: 'Skipped',
    })
    expect((await rawRequest(server.port, '/api/clients/client2/models')).json()).toEqual([])
    // A later request for the same client starts a new job rather than joining the ended one.
    const again = await rawRequest(server.port, progress('client2', 'epochs=300&wait=false'))
    expect(again.json<{ jobId: string }>().jobId).not.toBe(jobId)
    expect((await rawRequest(server.port, '/interrupt?bucket_name=client2')).status).toBe(200)
  })
})
