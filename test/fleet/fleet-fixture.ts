// A real fleet for tests: redis-server on a free loopback port with its own folder (AOF on, fsync
// every second, the persistence the README says a fleet relies on), a shared S3 store (the
// embedded one, started here and reached by every process through AWS_ENDPOINT_URL, as a fleet
// reaches MinIO), worker processes started as `npm run worker` runs them, and server instances in
// this process. stop() kills every process it started and removes every folder it made.

import { spawn, type ChildProcess } from 'node:child_process'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { get as httpGet } from 'node:http'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { startEmbeddedS3, type EmbeddedS3 } from '../../src-main/storage/embedded-s3'
import { generateStoreCredentials } from '../../src-main/storage/store-credentials'
import { startTestServer, type TestServer } from '../http/server-fixture'
import { TEST_TOOLS } from '../test-tools'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      const port = typeof address === 'object' && address ? address.port : 0
      probe.close(() => resolve(port))
    })
  })
}

export async function until<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

export interface RedisServer {
  url: string
  port: number
  /** SIGTERM (Redis writes its AOF and exits), then the same server again on the same port. */
  restart(): Promise<void>
  stop(): Promise<void>
}

function exited(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => proc.once('exit', () => resolve()))
}

export async function startRedis(dir: string): Promise<RedisServer> {
  const port = await freePort()
  const url = `redis://127.0.0.1:${port}`
  let proc: ChildProcess
  const launch = async () => {
    proc = spawn(
      TEST_TOOLS.redis,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'everysec',
      ],
      { stdio: 'ignore' },
    )
    const probe = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    })
    probe.on('error', () => undefined)
    await until(
      async () => {
        try {
          await probe.connect()
          return (await probe.ping()) === 'PONG'
        } catch {
          probe.disconnect()
          return false
        }
      },
      10_000,
      'redis-server to answer',
    )
    probe.disconnect()
  }
  await launch()
  return {
    url,
    port,
    restart: async () => {
      proc.kill('SIGTERM')
      await exited(proc)
      await launch()
    },
    stop: async () => {
      proc.kill('SIGKILL')
      await exited(proc)
    },
  }
}

export interface WorkerProcess {
  proc: ChildProcess
  home: string
  output(): string
  /** Resolves once the worker said it waits for jobs. */
  ready: Promise<void>
}

export interface Fleet {
  redis: RedisServer
  store: EmbeddedS3
  /** What every process of the fleet is configured with. */
  env: Record<string, string>
  workers: WorkerProcess[]
  servers: TestServer[]
  startWorker(extraEnv?: Record<string, string>): Promise<WorkerProcess>
  startServer(extraEnv?: Record<string, string>): Promise<TestServer>
  stop(): Promise<void>
}

export async function startFleet(opts: { lockMs?: number } = {}): Promise<Fleet> {
  const scratch = await mkdtemp(join(tmpdir(), 'ts-fleet-'))
  const redisDir = join(scratch, 'redis')
  await mkdir(redisDir, { recursive: true })
  const redis = await startRedis(redisDir)
  const credentials = generateStoreCredentials()
  const store = await startEmbeddedS3({ directory: join(scratch, 's3'), port: 0, credentials })
  const env: Record<string, string> = {
    TRAINING_SERVER_REDIS_URL: redis.url,
    AWS_ENDPOINT_URL: store.endpoint,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_REGION: 'us-east-1',
    TRAINING_SERVER_WORKER_LOCK_MS: String(opts.lockMs ?? 1000),
  }
  // The servers of this process build their S3 clients from the standard chain.
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) process.env[name] = env[name]
  const workers: WorkerProcess[] = []
  const servers: TestServer[] = []
  const fleet: Fleet = {
    redis,
    store,
    env,
    workers,
    servers,
    async startWorker(extraEnv = {}) {
      const home = await mkdtemp(join(scratch, 'worker-'))
      const proc = spawn(process.execPath, ['--import', 'tsx', 'src-main/worker-main.ts'], {
        cwd: ROOT,
        env: { ...process.env, ...env, TRAINING_SERVER_HOME: home, ...extraEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let text = ''
      proc.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()))
      proc.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()))
      const worker: WorkerProcess = {
        proc,
        home,
        output: () => text,
        ready: until(() => text.includes('waiting for jobs'), 60_000, 'a worker to start').then(
          () => undefined,
        ),
      }
      workers.push(worker)
      return worker
    },
    async startServer(extraEnv = {}) {
      const server = await startTestServer({ env: { ...env, ...extraEnv } })
      servers.push(server)
      return server
    },
    async stop() {
      for (const server of servers) await server.close().catch(() => undefined)
      for (const worker of workers) {
        worker.proc.kill('SIGKILL')
        await exited(worker.proc)
      }
      await store.close()
      await redis.stop()
      await rm(scratch, { recursive: true, force: true })
    },
  }
  return fleet
}

export interface ProgressStream {
  /** Lines so far (events, then the result). */
  lines: Record<string, unknown>[]
  status: Promise<number>
  /** Resolves with every line once the stream ends. */
  done: Promise<Record<string, unknown>[]>
}

/** GET /progress read line by line while it streams. */
export function streamProgress(port: number, path: string): ProgressStream {
  const lines: Record<string, unknown>[] = []
  let setStatus: (status: number) => void = () => undefined
  const status = new Promise<number>((resolve) => (setStatus = resolve))
  const done = new Promise<Record<string, unknown>[]>((resolve, reject) => {
    const req = httpGet({ host: '127.0.0.1', port, path }, (res) => {
      setStatus(res.statusCode ?? 0)
      let buffer = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        buffer += chunk
        let at: number
        while ((at = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, at).trim()
          buffer = buffer.slice(at + 1)
          if (line) lines.push(JSON.parse(line) as Record<string, unknown>)
        }
      })
      res.on('end', () => {
        if (buffer.trim()) lines.push(JSON.parse(buffer) as Record<string, unknown>)
        resolve(lines)
      })
      res.on('error', reject)
    })
    req.on('error', reject)
  })
  return { lines, status, done }
}
