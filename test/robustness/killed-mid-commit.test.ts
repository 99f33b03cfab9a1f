// A process killed (SIGKILL: no shutdown code runs) between two copies of a model set's commit
// leaves the bucket mixed: the run's own copy (runs/<job id>/) whole, and at the root the new
// metrics.json beside the old model.h5, plus staging objects.
// The next start finishes the commit from its journal before any job runs; when the store is
// down at that start, the job keeps its model on disk for a retried upload, and the commit is
// finished by the next start or the next upload, whichever reaches the store first.

import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { modelBucketName } from '../../src-shared/client-names'
import { loadSettings, localPaths, type Settings } from '../../src-main/config/settings'
import { JobService } from '../../src-main/jobs/job-service'
import { RunHistory } from '../../src-main/jobs/run-history'
import { listObjects } from '../../src-main/storage/bucket-objects'
import { startEmbeddedS3, type EmbeddedS3 } from '../../src-main/storage/embedded-s3'
import { generateStoreCredentials } from '../../src-main/storage/store-credentials'
import { createS3Client } from '../../src-main/storage/s3-client'
import { resultOf } from './fault-fixture'

const ROOT = resolve(import.meta.dirname, '../..')
const BUCKET = modelBucketName('training-server-', 'client0')
/** Long enough that the kill always lands before the next copy starts, even on a busy machine. */
const COPY_DELAY_MS = 1500
/** The run's five copies, then two of the root's. */
const COPIES_BEFORE_KILL = 7

/** One store secret for the whole file: the store is stopped and started again on the same data. */
const CREDENTIALS = generateStoreCredentials()

const OLD_SET: Record<string, string> = {
  'labels.json': 'old labels',
  'metrics.json': 'old metrics',
  'model.h5': 'old model',
  'model.json': 'old topology',
  'weights.bin': 'old weights',
}
const NEW_SET: Record<string, string> = {
  'labels.json': 'new labels, longer',
  'metrics.json': 'new metrics, longer',
  'model.h5': 'new model, longer',
  'model.json': 'new topology, longer',
  'weights.bin': 'new weights, longer',
}

let home: string
let settings: Settings
let store: EmbeddedS3 | undefined
let port: number
const clients: S3Client[] = []
const services: JobService[] = []

function client(): S3Client {
  const made = createS3Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: CREDENTIALS,
  })
  clients.push(made)
  return made
}

async function startStore(): Promise<void> {
  store = await startEmbeddedS3({ directory: join(home, 's3'), port, credentials: CREDENTIALS })
  port = Number(new URL(store.endpoint).port)
}

async function stopStore(): Promise<void> {
  await store?.close()
  store = undefined
}

/** Every object of the model bucket with its content. */
async function bucketContent(s3: S3Client): Promise<Record<string, string>> {
  const content: Record<string, string> = {}
  for (const object of await listObjects(s3, BUCKET)) {
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: object.key }))
    content[object.key] = (await got.Body?.transformToString()) ?? ''
  }
  return content
}

/** Runs the uploading child and SIGKILLs it right after two copies to the root. Returns the job id. */
async function killAfterTwoRootCopies(): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/robustness/commit-child.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      COMMIT_CHILD_HOME: home,
      COMMIT_CHILD_S3_ENDPOINT: `http://127.0.0.1:${port}`,
      COMMIT_CHILD_S3_CREDENTIALS: JSON.stringify(CREDENTIALS),
      COMMIT_CHILD_COPY_DELAY_MS: String(COPY_DELAY_MS),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const exited = new Promise<void>((done) => child.once('exit', () => done()))
  try {
    return await new Promise<string>((resolveId, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no copy ${COPIES_BEFORE_KILL} in 90 s:\n${output}`)),
        90_000,
      )
      const read = (chunk: Buffer) => {
        output += chunk.toString()
        if ((output.match(/^copied /gm) ?? []).length < COPIES_BEFORE_KILL) return
        child.kill('SIGKILL')
        clearTimeout(timer)
        resolveId(/^job (\S+)$/m.exec(output)?.[1] ?? '')
      }
      child.stdout.on('data', read)
      child.stderr.on('data', read)
      child.once('exit', () => {
        clearTimeout(timer)
        reject(new Error(`the child ended before copy ${COPIES_BEFORE_KILL}:\n${output}`))
      })
    })
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  }
}

async function startService(s3: S3Client): Promise<JobService> {
  const service = await JobService.create({
    settings,
    s3,
    history: new RunHistory(localPaths(home, '').runs),
  })
  services.push(service)
  return service
}

const journalFiles = () => readdir(localPaths(home, '').commits).catch(() => [] as string[])
const weights = () => localPaths(home, 'client0').weights

/** The new set under the run's prefix. */
function runCopy(jobId: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(NEW_SET).map(([key, body]) => [`runs/${jobId}/${key}`, body]),
  )
}

/** What the kill leaves: the run's copy, two root files of the new set, the rest old, the staged set, the journal. */
async function expectMixed(s3: S3Client, jobId: string): Promise<void> {
  const content = await bucketContent(s3)
  for (const [key, body] of Object.entries(runCopy(jobId))) expect(content[key]).toBe(body)
  expect(content['labels.json']).toBe(NEW_SET['labels.json'])
  expect(content['metrics.json']).toBe(NEW_SET['metrics.json'])
  expect(content['model.h5']).toBe(OLD_SET['model.h5'])
  expect(Object.keys(content).filter((key) => key.startsWith('.staging/'))).toHaveLength(5)
  expect(await journalFiles()).toEqual([`${BUCKET}.json`])
}

async function expectWholeNewSet(s3: S3Client, jobId: string): Promise<void> {
  expect(await bucketContent(s3)).toEqual({ ...NEW_SET, ...runCopy(jobId) })
  expect(await journalFiles()).toEqual([])
}

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'ts-commit-'))
  settings = loadSettings({
    TRAINING_SERVER_HOME: home,
    TRAINING_SERVER_PORT: '0',
    TRAINING_SERVER_S3_PORT: '0',
  })
  port = 0
  await startStore()
  const s3 = client()
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }))
  for (const [key, body] of Object.entries(OLD_SET))
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }))
  await mkdir(weights(), { recursive: true })
  for (const [name, body] of Object.entries(NEW_SET)) await writeFile(join(weights(), name), body)
})

afterEach(async () => {
  for (const service of services.splice(0)) await service.close()
  for (const made of clients.splice(0)) made.destroy()
  await stopStore()
  await rm(home, { recursive: true, force: true })
})

describe('killed in the middle of a commit', () => {
  it('the next start finishes the commit before any job runs; the job is done', async () => {
    const jobId = await killAfterTwoRootCopies()
    const s3 = client()
    await expectMixed(s3, jobId)

    const service = await startService(s3)
    await expectWholeNewSet(s3, jobId)
    const [summary] = service.list('client0')
    expect(summary).toMatchObject({ id: jobId, state: 'done' })
    expect(summary?.result).toMatchObject({ Storing: 'Succesfull', modelBucket: BUCKET })
    expect(summary?.result?.modelKeys?.map((file) => file.key)).toEqual(
      [...Object.keys(NEW_SET), ...Object.keys(runCopy(jobId))].sort(),
    )
    expect(summary?.result?.localModelDir).toBeUndefined()
    // Confirmed in the bucket: the local copy goes, as after any upload.
    expect(existsSync(weights())).toBe(false)
  }, 120_000)

  it('with the store down at start the model stays for retry; the next start with it up finishes', async () => {
    const jobId = await killAfterTwoRootCopies()
    await expectMixed(client(), jobId)
    await stopStore()

    const down = await startService(client())
    const [summary] = down.list('client0')
    expect(summary).toMatchObject({ id: jobId, state: 'interrupted' })
    expect(summary?.result).toMatchObject({
      Training: 'Succesfull',
      Storing: 'Interrupted',
      localModelDir: weights(),
      error: { code: 'APP_STOPPED', details: { stateWhenStopped: 'uploading' } },
    })
    expect(await journalFiles()).toEqual([`${BUCKET}.json`])
    expect(existsSync(join(weights(), 'model.h5'))).toBe(true)
    await down.close()

    await startStore()
    const s3 = client()
    await startService(s3)
    await expectWholeNewSet(s3, jobId)
  }, 120_000)

  it('a retried upload once the store is back finishes the commit and sends the model', async () => {
    const jobId = await killAfterTwoRootCopies()
    await stopStore()
    const s3 = client()
    const service = await startService(s3)
    await startStore()

    const { job } = await service.retryUpload({ client: 'client0' })
    expect(await resultOf(job)).toMatchObject({ state: 'done', Storing: 'Succesfull' })
    // Under the id of the run that trained it, not the retry's.
    await expectWholeNewSet(s3, jobId)
    expect(existsSync(weights())).toBe(false)
  }, 120_000)
})
