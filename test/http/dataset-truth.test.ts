// What the endpoint tells the UI about a client's dataset and model: the validation report kept
// across a restart of the core, counts and the stored model in the client list, skipped images
// and unknown categories in the dataset view, an empty bucket as empty, thumbnails the browser
// may reuse.

import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { datasetBucketName, modelBucketName } from '../../src-shared/client-names'
import type { CocoDocument } from '../../src-shared/coco'
import type { DatasetView } from '../../src-shared/dataset-view'
import type { ClientSummary } from '../../src-shared/http-api'
import { thumbnailPath } from '../../src-shared/thumbnail-path'
import { loadSettings } from '../../src-main/config/settings'
import { startCore, type Core } from '../../src-main/core'
import { writeDemoDataset } from '../../src-main/dataset/demo-dataset'
import { startHttpServer, type HttpServer } from '../../src-main/http/server'
import { uploadFolder } from '../../src-main/storage/upload-folder'
import { rawRequest } from './server-fixture'

let home: string
let core: Core | undefined
let http: HttpServer | undefined

async function start(): Promise<Core> {
  const settings = loadSettings({
    TRAINING_SERVER_HOME: home,
    TRAINING_SERVER_PORT: '0',
    TRAINING_SERVER_S3_PORT: '0',
  })
  core = await startCore(settings, { seedDemo: false })
  http = await startHttpServer(core, { port: 0 })
  return core
}

async function stop(): Promise<void> {
  await http?.close()
  await core?.close()
  http = undefined
  core = undefined
}

const get = (path: string, headers?: Record<string, string>) =>
  rawRequest(http?.port ?? 0, path, { headers })

async function put(bucket: string, key: string, body: string | Uint8Array): Promise<void> {
  await core?.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))
}

/** A dataset with one image that is not an image and one annotation naming category 99. */
async function seedOddClient(c: Core, client: string): Promise<{ broken: string; odd: string }> {
  const bucket = datasetBucketName(c.settings.bucketPrefix, client)
  const folder = await mkdtemp(join(home, 'dataset-'))
  try {
    await writeDemoDataset(folder, { seed: 5, classes: 2, imagesPerClass: 12, size: 24 })
    await uploadFolder({ s3: c.s3, bucket, folder, createBucket: true })
  } finally {
    await rm(folder, { recursive: true, force: true })
  }
  const object = await c.s3.send(
    new GetObjectCommand({ Bucket: bucket, Key: 'coco/annotations.json' }),
  )
  const coco = JSON.parse((await object.Body?.transformToString()) ?? '{}') as CocoDocument
  const broken = coco.images[0]?.file_name ?? ''
  const oddImage = coco.images[1]
  const odd = oddImage?.file_name ?? ''
  const annotation = coco.annotations.find((a) => a.image_id === oddImage?.id)
  if (annotation) annotation.category_id = 99
  await put(bucket, 'coco/annotations.json', JSON.stringify(coco))
  await put(bucket, `images/${broken}`, 'this is not an image\n')
  return { broken, odd }
}

beforeAll(async () => {
  const base = process.env.TRAINING_SERVER_HOME
  if (!base) throw new Error('test/setup-home.ts did not run')
  home = await mkdtemp(join(base, 'truth-'))
})
afterAll(async () => {
  await stop()
  await rm(home, { recursive: true, force: true })
})

describe('the dataset view and the client list', { timeout: 120_000 }, () => {
  it('keep the validation report, skipped images and counts across a restart', async () => {
    const c = await start()
    const { broken, odd } = await seedOddClient(c, 'odd')
    const synced = await c.jobs.syncOnly('odd')
    expect(synced.skippedImageCount).toBe(1)
    expect(synced.skippedImages?.[0]).toMatchObject({ file: broken, code: 'IMAGE_UNREADABLE' })
    expect(synced.images.find((i) => i.file === broken)?.skipped?.code).toBe('IMAGE_UNREADABLE')
    expect(synced.images.find((i) => i.file === odd)).toMatchObject({ unknownCategoryId: 99 })
    expect(synced.images.find((i) => i.file === odd)?.label).toBeUndefined()
    expect(synced.syncedAt).toMatch(/^\d{4}-/)
    await stop()

    await start()
    const view = (await get('/api/clients/odd/dataset')).json<DatasetView>()
    expect(view.report?.findings.length).toBeGreaterThan(0)
    expect(view.report).toEqual(synced.report)
    expect(view.skippedImageCount).toBe(1)
    const clients = (await get('/api/clients')).json<ClientSummary[]>()
    expect(clients.find((row) => row.client === 'odd')?.dataset).toEqual({
      images: 24,
      classes: 2,
      skippedImages: 1,
      empty: false,
    })
  })

  it('say empty for a bucket that synced empty, and show the stored model with its metrics', async () => {
    const c = core ?? (await start())
    await c.s3.send(
      new CreateBucketCommand({ Bucket: datasetBucketName(c.settings.bucketPrefix, 'bare') }),
    )
    const before = await c.jobs.getDataset('bare')
    expect(before.synced).toBe(false)
    const view = await c.jobs.syncOnly('bare')
    expect(view).toMatchObject({ synced: true, empty: true, images: [] })
    expect((await c.jobs.getDataset('bare')).empty).toBe(true)

    const models = modelBucketName(c.settings.bucketPrefix, 'bare')
    await c.s3.send(new CreateBucketCommand({ Bucket: models }))
    await put(models, 'model.h5', new Uint8Array([1, 2, 3]))
    await put(models, 'metrics.json', JSON.stringify({ finalValAccuracy: 0.75, classes: ['a'] }))
    await put(models, 'runs/other-job/model.h5', new Uint8Array([4]))
    const bare = (await c.jobs.listClients()).find((row) => row.client === 'bare')
    expect(bare?.dataset).toEqual({ images: 0, classes: 0, skippedImages: 0, empty: true })
    expect(bare?.storedModel).toMatchObject({ valAccuracy: 0.75, classes: ['a'], files: 2 })
    expect(bare?.storedModel?.storedAt).toMatch(/^\d{4}-/)
    expect(bare?.lastJob).toBeUndefined()
  })

  it('serves thumbnails with an ETag the browser can revalidate', async () => {
    const c = core ?? (await start())
    const file = (await c.jobs.getDataset('odd')).images.find((i) => !i.skipped)?.file ?? ''
    const first = await get(thumbnailPath('odd', file, 160))
    expect(first.status).toBe(200)
    expect(first.headers['cache-control']).toMatch(/^private, max-age=\d+/)
    const etag = String(first.headers.etag)
    expect(etag).toMatch(/^"[0-9a-f]+"$/)
    const again = await get(thumbnailPath('odd', file, 160), { 'if-none-match': etag })
    expect(again.status).toBe(304)
    expect(again.text).toBe('')
  })
})
