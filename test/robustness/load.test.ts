// Load on the endpoint (the short form of bench/load.bench.ts): a storm of concurrent /progress
// requests starts exactly one job per client and every stream gets its result line; status
// requests at 1,000 per second while a job trains stay fast.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  progressStorm,
  startLoadServer,
  statusLatency,
  trainingJob,
  type LoadServer,
} from '../../bench/load.bench'

const CLIENTS = Array.from({ length: 20 }, (_, i) => `tiny${i}`)

let server: LoadServer
beforeAll(async () => {
  server = await startLoadServer({ TRAINING_SERVER_CONCURRENCY: '3' })
  await server.seedClients([...CLIENTS, 'busy'], { classes: 2, imagesPerClass: 4, size: 16 })
}, 60_000)
afterAll(() => server?.close())

describe('the endpoint under load', () => {
  it('200 concurrent /progress requests over 20 clients start 20 jobs and all get a result', async () => {
    const storm = await progressStorm(server, CLIENTS, 200, 'epochs=1&image_size=16&batch_size=4')
    expect(storm.missing).toBe(0)
    expect(storm.jobsStarted).toBe(20)
    expect(storm.results).toHaveLength(200)
    const jobIds = new Set(storm.results.map((r) => r.jobId))
    expect(jobIds.size).toBe(20)
    for (const client of CLIENTS) {
      const ofClient = storm.results.filter((r) => r.client === client)
      // Ten requests per client, all joined to one job.
      expect(ofClient).toHaveLength(10)
      expect(new Set(ofClient.map((r) => r.jobId)).size).toBe(1)
    }
    expect(storm.results.every((r) => r.state === 'done' && r.Storing === 'Succesfull')).toBe(true)
  }, 180_000)

  it('answers 1,000 status requests per second while a job trains with p99 under 50 ms', async () => {
    const path = await trainingJob(server, 'busy')
    try {
      // Other test files train in other processes on the same cores; a window they happen to
      // crowd is measured again, up to three times. Every window must be free of errors.
      const windows = []
      for (let attempt = 0; attempt < 3; attempt++) {
        const figures = await statusLatency(server.port, path, 1000, 3)
        windows.push(figures)
        expect(figures.errors).toBe(0)
        expect(figures.non2xx).toBe(0)
        expect(figures.requests).toBeGreaterThan(2500)
        if (figures.p99 < 50) break
      }
      const best = Math.min(...windows.map((w) => w.p99))
      expect(best, JSON.stringify(windows)).toBeLessThan(50)
      // Still training the whole time: the load ran against a busy server.
      expect(server.core.jobs.activeJob('busy')?.state).toBe('training')
    } finally {
      await server.core.jobs.interruptAndWait('busy')
    }
  }, 90_000)
})
