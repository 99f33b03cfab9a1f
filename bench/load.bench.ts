// The endpoint under load, on loopback against a real core (embedded S3, real training):
//  1. a storm of concurrent `GET /progress` requests spread over many clients: how many jobs it
//     starts (one per client) and how long until every stream has its result line;
//  2. status requests at a fixed rate (autocannon) while a job trains: latency percentiles.
// Prints one JSON line per result.
//
//   npx tsx bench/load.bench.ts [--clients 20] [--requests 200] [--rate 1000] [--seconds 10]
//       [--repeat 1]
//
// --repeat N runs both measurements N times on one server, then prints a median line of each.

import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { request } from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { Result as AutocannonResult } from 'autocannon'
import pLimit from 'p-limit'
import { datasetBucketName } from '../src-shared/client-names'
import type { JobResult } from '../src-shared/job-events'
import { loadSettings } from '../src-main/config/settings'
import { startCore, type Core } from '../src-main/core'
import { writeDemoDataset, type DemoDatasetOptions } from '../src-main/dataset/demo-dataset'
import { startHttpServer, type HttpServer } from '../src-main/http/server'
import { uploadFolder } from '../src-main/storage/upload-folder'
import { positiveIntegerOption } from './bench-options'
import { RunLog } from './bench-summary'

export interface LoadServer {
  core: Core
  http: HttpServer
  port: number
  /** Puts a generated dataset into each client's bucket. */
  seedClients(clients: string[], opts: DemoDatasetOptions): Promise<void>
  close(): Promise<void>
}

/** A core and its endpoint on free ports, in a home folder of its own that close() removes. */
export async function startLoadServer(env: Record<string, string> = {}): Promise<LoadServer> {
  const home = await mkdtemp(join(tmpdir(), 'training-server-load-'))
  const settings = loadSettings({
    TRAINING_SERVER_HOME: home,
    TRAINING_SERVER_PORT: '0',
    TRAINING_SERVER_S3_PORT: '0',
    ...env,
  })
  const core = await startCore(settings, { seedDemo: false })
  const http = await startHttpServer(core, { port: 0 })
  return {
    core,
    http,
    port: http.port,
    async seedClients(clients, opts) {
      const scratch = await mkdtemp(join(tmpdir(), 'training-server-load-data-'))
      try {
        await writeDemoDataset(scratch, opts)
        const limit = pLimit(4)
        await Promise.all(
          clients.map((client) =>
            limit(() =>
              uploadFolder({
                s3: core.s3,
                bucket: datasetBucketName(settings.bucketPrefix, client),
                folder: scratch,
                createBucket: true,
              }),
            ),
          ),
        )
      } finally {
        await rm(scratch, { recursive: true, force: true })
      }
    },
    async close() {
      await http.close()
      await core.close()
      await rm(home, { recursive: true, force: true })
    },
  }
}

/** One GET read to its end: the status and the last line of the body. */
function fetchLastLine(port: number, path: string): Promise<{ status: number; last: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let tail = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        tail = (tail + chunk).slice(-200_000)
      })
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, last: tail.trimEnd().split('\n').at(-1) ?? '' }),
      )
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

export interface ProgressStorm {
  requests: number
  clients: number
  jobsStarted: number
  results: JobResult[]
  /** Requests whose stream did not end with a result line. */
  missing: number
  ms: number
}

/** `requests` concurrent /progress requests, spread round-robin over `clients`. */
export async function progressStorm(
  server: LoadServer,
  clients: string[],
  requests: number,
  query: string,
): Promise<ProgressStorm> {
  const before = server.core.jobs.list().length
  const started = performance.now()
  const answers = await Promise.all(
    Array.from({ length: requests }, (_, i) =>
      fetchLastLine(
        server.port,
        `/progress?train_type=classification&bucket_name=${clients[i % clients.length]}&${query}`,
      ),
    ),
  )
  const results: JobResult[] = []
  let missing = 0
  for (const answer of answers) {
    try {
      const parsed = JSON.parse(answer.last) as Partial<JobResult>
      if (answer.status === 200 && typeof parsed.jobId === 'string' && parsed.state)
        results.push(parsed as JobResult)
      else missing++
    } catch {
      missing++
    }
  }
  return {
    requests,
    clients: clients.length,
    jobsStarted: server.core.jobs.list().length - before,
    results,
    missing,
    ms: Math.round(performance.now() - started),
  }
}

export interface StatusLatency {
  path: string
  rate: number
  seconds: number
  requests: number
  non2xx: number
  errors: number
  p50: number
  p90: number
  p99: number
  max: number
}

/**
 * autocannon at a fixed overall rate against one path, for `seconds`. It runs in a process of its
 * own, so the load generator's work does not count as the server's latency.
 */
export async function statusLatency(
  port: number,
  path: string,
  rate: number,
  seconds: number,
): Promise<StatusLatency> {
  const cli = fileURLToPath(import.meta.resolve('autocannon'))
  const args = ['-j', '-c', '20', '-R', String(rate), '-d', String(seconds)]
  const proc = spawn(process.execPath, [cli, ...args, `http://127.0.0.1:${port}${path}`], {
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  let output = ''
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const [code] = (await once(proc, 'exit')) as [number | null]
  if (code !== 0) throw new Error(`autocannon exited with ${code}`)
  const result = JSON.parse(output) as AutocannonResult
  return {
    path,
    rate,
    seconds,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
  }
}

/** Starts a long job for the client and answers once it is training (its status path). */
export async function trainingJob(server: LoadServer, client: string): Promise<string> {
  const { job } = server.core.jobs.start({
    client,
    trainType: 'classification',
    // No early stopping: the job must still be training when the load has run.
    params: { epochs: 500, imageSize: 32, patience: 0 },
  })
  await new Promise<void>((resolve) => {
    const stop = job.log.subscribe((event) => {
      if (event.type === 'epoch' || event.type === 'result') {
        queueMicrotask(() => stop())
        resolve()
      }
    })
  })
  return `/api/jobs/${job.id}`
}

async function main(): Promise<void> {
  const clientCount = positiveIntegerOption('clients', 20)
  const requests = positiveIntegerOption('requests', 200)
  const rate = positiveIntegerOption('rate', 1000)
  const seconds = positiveIntegerOption('seconds', 10)
  const repeat = positiveIntegerOption('repeat', 1)
  const server = await startLoadServer({ TRAINING_SERVER_CONCURRENCY: '3' })
  const log = new RunLog((line) => String(line.bench))
  try {
    const clients = Array.from({ length: clientCount }, (_, i) => `load${i}`)
    // A busy client per run: an interrupted job may still be winding down when the next run starts.
    const busy = Array.from({ length: repeat }, (_, i) => `busy${i + 1}`)
    await server.seedClients([...clients, ...busy], { classes: 2, imagesPerClass: 5, size: 24 })
    for (let run = 1; run <= repeat; run++) {
      const storm = await progressStorm(server, clients, requests, 'epochs=1&image_size=16')
      log.print({
        bench: 'progress-storm',
        requests: storm.requests,
        clients: storm.clients,
        jobsStarted: storm.jobsStarted,
        results: storm.results.length,
        done: storm.results.filter((r) => r.state === 'done').length,
        missing: storm.missing,
        ms: storm.ms,
        run,
      })
      const path = await trainingJob(server, `busy${run}`)
      log.print({
        bench: 'status-while-training',
        ...(await statusLatency(server.port, path, rate, seconds)),
        run,
      })
      server.core.jobs.interrupt(`busy${run}`)
    }
    log.printMedians()
  } finally {
    await server.close()
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main()
