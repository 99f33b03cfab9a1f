// Distributed mode against the in-process queue, in one run on one machine: the same 12 jobs over
// 6 clients (each client's second job starts when its first ends) through
//  1. the embedded queue (one job at a time, as the app's default concurrency),
//  2. a fleet with 1 worker, then 3. the same fleet with 2 workers, each of one training thread.
// One JSON line per run: jobs per minute, enqueue-to-start latency p50/p99 (the queued event to
// the first stage that works), and the mean job time, after one unmeasured warm-up job per process; then the 2-worker/1-worker ratio and the
// per-job overhead of the fleet against the embedded queue. Real Redis, real worker processes.
//
//   npx tsx bench/fleet.bench.ts [--clients 6] [--jobs-per-client 2] [--images 6] [--size 32] [--epochs 1]

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestServer } from '../test/http/server-fixture'
import { startFleet, streamProgress } from '../test/fleet/fleet-fixture'
import { positiveIntegerOption } from './bench-options'

const clients = positiveIntegerOption('clients', 6)
const jobsPerClient = positiveIntegerOption('jobs-per-client', 2)
const imagesPerClass = positiveIntegerOption('images', 6)
const size = positiveIntegerOption('size', 32)
const epochs = positiveIntegerOption('epochs', 1)

interface JobTiming {
  startLatencyMs: number
  jobMs: number
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN
}

/** Each client's jobs one after another, all clients at once; the timings of every job. */
async function runJobs(
  server: TestServer,
  names: string[],
): Promise<{ wallMs: number; jobs: JobTiming[] }> {
  const started = Date.now()
  const jobs: JobTiming[] = []
  await Promise.all(
    names.map(async (client) => {
      for (let i = 0; i < jobsPerClient; i++) {
        const path =
          `/progress?train_type=classification&bucket_name=${client}` +
          `&epochs=${epochs}&image_size=${size}&batch_size=8`
        const lines = await streamProgress(server.port, path).done
        const result = lines.at(-1) as { state?: string }
        if (result.state !== 'done') throw new Error(`a job of ${client} ended ${result.state}`)
        const events = lines.slice(0, -1) as { type: string; state?: string; at: string }[]
        const queued = Date.parse(events[0]!.at)
        const working = events.find((e) => e.type === 'stage' && e.state !== 'queued')
        jobs.push({
          startLatencyMs: Date.parse(working!.at) - queued,
          jobMs: Date.parse(events.at(-1)!.at) - queued,
        })
      }
    }),
  )
  return { wallMs: Date.now() - started, jobs }
}

/**
 * One unmeasured job per given client at once: each process that trains pays tfjs' start and a
 * cold pixel cache once, and no mode should pay it inside its figures.
 */
async function warmUp(server: TestServer, names: string[]): Promise<void> {
  await Promise.all(
    names.map(
      (client) =>
        streamProgress(
          server.port,
          `/progress?train_type=classification&bucket_name=${client}&epochs=1&image_size=${size}&batch_size=8`,
        ).done,
    ),
  )
}

function report(mode: string, run: { wallMs: number; jobs: JobTiming[] }) {
  const latencies = run.jobs.map((job) => job.startLatencyMs)
  const line = {
    bench: 'fleet',
    mode,
    jobs: run.jobs.length,
    clients,
    wallMs: run.wallMs,
    jobsPerMinute: Number(((run.jobs.length / run.wallMs) * 60_000).toFixed(2)),
    startLatencyP50Ms: percentile(latencies, 50),
    startLatencyP99Ms: percentile(latencies, 99),
    meanJobMs: Math.round(run.jobs.reduce((sum, job) => sum + job.jobMs, 0) / run.jobs.length),
  }
  console.log(JSON.stringify(line))
  return line
}

async function main(): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), 'ts-fleet-bench-'))
  process.env.TRAINING_SERVER_HOME = home
  const fleet = await startFleet({ lockMs: 5000 })
  const oneThread = { TRAINING_SERVER_TRAINING_THREADS: '1' }
  try {
    // The embedded queue on the same store: only the Redis URL differs.
    const embedded = await fleet.startServer({ TRAINING_SERVER_REDIS_URL: '', ...oneThread })
    const names = Array.from({ length: clients }, (_, i) => `bench${i}`)
    for (const client of names)
      await embedded.seedClient(client, { classes: 2, imagesPerClass, size })
    await warmUp(embedded, names.slice(0, 1))
    const inProcess = report('embedded', await runJobs(embedded, names))

    const server = await fleet.startServer()
    const first = await fleet.startWorker(oneThread)
    await first.ready
    await warmUp(server, names.slice(0, 1))
    const single = report('fleet-1-worker', await runJobs(server, names))
    const second = await fleet.startWorker(oneThread)
    await second.ready
    // Two jobs at once: the new worker takes one of them.
    await warmUp(server, names.slice(0, 2))
    const double = report('fleet-2-workers', await runJobs(server, names))

    console.log(
      JSON.stringify({
        bench: 'fleet',
        summary: true,
        twoWorkersOverOne: Number((double.jobsPerMinute / single.jobsPerMinute).toFixed(2)),
        // The same jobs one at a time either way: what BullMQ, the stream and a process hop add.
        overheadPerJobMs: Math.round((single.wallMs - inProcess.wallMs) / single.jobs),
        startLatencyP50OverEmbeddedMs: single.startLatencyP50Ms - inProcess.startLatencyP50Ms,
      }),
    )
  } finally {
    await fleet.stop()
    await rm(home, { recursive: true, force: true })
  }
}

await main()
// The in-process servers come from the test fixture, which leaves teardown of their pooled
// handles to the test runner; everything it started is stopped above, so the script ends here.
process.exit(0)
