// The app killed in the middle of training (SIGKILL: no shutdown code runs) and started again on
// the same home folder: the job shows as interrupted with its history intact, no half-written
// file is taken for a whole one, and the next job runs normally.

import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { datasetBucketName } from '../../src-shared/client-names'
import type { JobRecord, JobSummary } from '../../src-shared/job-events'
import { loadSettings } from '../../src-main/config/settings'
import { startCore, type Core } from '../../src-main/core'
import { writeDemoDataset } from '../../src-main/dataset/demo-dataset'
import { DEMO_MARKER } from '../../src-main/jobs/demo-clients'
import { startEmbeddedS3 } from '../../src-main/storage/embedded-s3'
import {
  loadStoreCredentials,
  storeCredentialsFile,
} from '../../src-main/storage/store-credentials'
import { readMirrorState } from '../../src-main/storage/mirror-bucket'
import { createS3Client } from '../../src-main/storage/s3-client'
import { uploadFolder } from '../../src-main/storage/upload-folder'
import { rawRequest, until } from '../http/server-fixture'
import { filesUnder, resultOf } from './fault-fixture'

const ROOT = resolve(import.meta.dirname, '../..')
const base = process.env.TRAINING_SERVER_HOME ?? ''

let home: string
let child: ChildProcess | undefined
let core: Core | undefined

/** A home whose embedded store already holds client0, so the app seeds no demo clients. */
async function prepareHome(): Promise<void> {
  // The home's own key, as the app started on this home later reads it.
  const credentials = await loadStoreCredentials(storeCredentialsFile(home))
  const store = await startEmbeddedS3({ directory: join(home, 's3'), port: 0, credentials })
  const s3 = createS3Client({
    endpoint: store.endpoint,
    region: 'us-east-1',
    credentials,
  })
  const folder = await mkdtemp(join(base, 'dataset-'))
  try {
    await writeDemoDataset(folder, { classes: 2, imagesPerClass: 12, size: 32 })
    await uploadFolder({
      s3,
      bucket: datasetBucketName('training-server-', 'client0'),
      folder,
      createBucket: true,
    })
  } finally {
    s3.destroy()
    await store.close()
    await rm(folder, { recursive: true, force: true })
  }
  await writeFile(join(home, DEMO_MARKER), 'prepared by the test\n')
}

/** `npm run serve` without the UI build: the headless entry point in a process of its own. */
function startHeadless(): Promise<number> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src-main/headless.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      TRAINING_SERVER_HOME: home,
      TRAINING_SERVER_PORT: '0',
      TRAINING_SERVER_S3_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child = proc
  let output = ''
  return new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 30 s:\n${output}`)), 30_000)
    const read = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolvePort(Number(match[1]))
      }
    }
    proc.stdout?.on('data', read)
    proc.stderr?.on('data', read)
    proc.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`headless exited with ${code}:\n${output}`))
    })
  })
}

beforeAll(async () => {
  home = await mkdtemp(join(base, 'killed-'))
  await prepareHome()
})
afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  await core?.close()
  await rm(home, { recursive: true, force: true })
})

describe('the app killed mid-training', () => {
  it('shows the job as interrupted after a restart, history intact, and trains again', async () => {
    const port = await startHeadless()
    const started = await rawRequest(
      port,
      '/progress?train_type=classification&bucket_name=client0&epochs=300&image_size=16&wait=false',
    )
    expect(started.status).toBe(202)
    const { jobId } = started.json<{ jobId: string }>()
    let before: JobRecord | undefined
    await until(async () => {
      const res = await rawRequest(port, `/api/jobs/${jobId}`)
      before = res.json<JobRecord>()
      return before.events.some((e) => e.type === 'epoch')
    }, 60_000)
    expect(before?.state).toBe('training')

    const exited = new Promise((done) => child?.once('exit', done))
    child?.kill('SIGKILL')
    await exited

    core = await startCore(
      loadSettings({
        TRAINING_SERVER_HOME: home,
        TRAINING_SERVER_PORT: '0',
        TRAINING_SERVER_S3_PORT: '0',
      }),
      { seedDemo: false },
    )
    const summaries: JobSummary[] = core.jobs.list('client0')
    expect(summaries).toHaveLength(1)
    expect(summaries[0]).toMatchObject({ id: jobId, state: 'interrupted' })
    expect(summaries[0]?.result?.error).toMatchObject({
      code: 'APP_STOPPED',
      details: { stateWhenStopped: 'training' },
    })
    const record = await core.jobs.get(jobId)
    // Everything saved before the kill is still there, in order, followed by the ending.
    const saved = record?.events ?? []
    expect(saved.map((e) => e.seq)).toEqual(saved.map((_, i) => i))
    const stages = saved.filter((e) => e.type === 'stage').map((e) => e.state)
    expect(stages).toEqual(['queued', 'syncing', 'validating', 'training', 'interrupted'])
    expect(saved.some((e) => e.type === 'report')).toBe(true)
    expect(saved.filter((e) => e.type === 'result')).toHaveLength(1)

    // Nothing half-written is left where it could be taken for whole.
    expect((await readdir(join(home, 'runs'))).filter((n) => !n.endsWith('.json'))).toEqual([])
    expect(await filesUnder(join(home, 'weights'))).not.toContain('client0/model.h5')
    // The sync had finished before training: that mirror is complete and stays trusted.
    expect(await readMirrorState(join(home, 'train_data', 'client0'))).toMatchObject({
      objects: 25,
    })

    const { job } = core.jobs.start({
      client: 'client0',
      trainType: 'classification',
      params: { epochs: 1, imageSize: 16 },
    })
    expect(await resultOf(job)).toMatchObject({ state: 'done', Storing: 'Succesfull' })
    expect(core.jobs.list('client0').map((s) => s.state)).toEqual(['done', 'interrupted'])
  }, 150_000)
})
