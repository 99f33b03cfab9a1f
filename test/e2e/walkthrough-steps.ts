// The steps' vocabulary shared by the UI walk-throughs (over HTTP in ui.test.ts, over the
// desktop app's IPC in ui-ipc.test.ts): seeding the embedded store, moving between screens,
// reading charts, waiting, and a screenshot with axe's verdict per screen. Bound to the walk's
// page and core through a getter, since both are created in beforeAll.

import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { expect, onTestFailed } from 'vitest'
import { datasetBucketName } from '../../src-shared/client-names'
import type { CocoDocument } from '../../src-shared/coco'
import type { Core } from '../../src-main/core'
import { writeDemoDataset } from '../../src-main/dataset/demo-dataset'
import { uploadFolder } from '../../src-main/storage/upload-folder'
import { screenshot, seriousViolations } from './accessibility'

export const MISSING_FILE = 'planted-missing-0001.jpg'
/** A file in the bucket that no decoder can read: validation skips it, and says so. */
export const UNREADABLE_FILE = 'planted-unreadable-0001.jpg'

export interface WalkScene {
  page: Page
  core: Core
}

export function walkthroughHelpers(scene: () => WalkScene) {
  async function seedClient(client: string, seed: number): Promise<void> {
    const folder = await mkdtemp(join(process.env.TRAINING_SERVER_HOME ?? '', 'dataset-'))
    try {
      await writeDemoDataset(folder, { seed, classes: 3, imagesPerClass: 14, size: 48 })
      await uploadFolder({
        s3: scene().core.s3,
        bucket: datasetBucketName(scene().core.settings.bucketPrefix, client),
        folder,
        createBucket: true,
      })
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
  }

  /** Adds an image entry (and its annotation) whose file is in the bucket but is no image. */
  async function plantUnreadableImage(client: string): Promise<void> {
    const bucket = datasetBucketName(scene().core.settings.bucketPrefix, client)
    await scene().core.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `images/${UNREADABLE_FILE}`,
        Body: 'these bytes are not a JPEG',
      }),
    )
    await addImageEntry(client, UNREADABLE_FILE)
  }

  /** Adds an image entry (and its annotation) whose file is not in the bucket. */
  async function plantMissingImage(client: string): Promise<void> {
    await addImageEntry(client, MISSING_FILE)
  }

  /** Adds an image entry naming `file`, annotated with the first category, to annotations.json. */
  async function addImageEntry(client: string, file: string): Promise<void> {
    const bucket = datasetBucketName(scene().core.settings.bucketPrefix, client)
    const key = 'coco/annotations.json'
    const object = await scene().core.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
    const coco = JSON.parse((await object.Body?.transformToString()) ?? '{}') as CocoDocument
    const imageId = Math.max(...coco.images.map((i) => i.id)) + 1
    const annotationId = Math.max(...coco.annotations.map((a) => a.id)) + 1
    coco.images.push({ id: imageId, file_name: file, width: 48, height: 48 })
    coco.annotations.push({
      id: annotationId,
      image_id: imageId,
      category_id: coco.categories[0]?.id ?? 1,
    })
    await scene().core.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: JSON.stringify(coco, null, 2),
        ContentType: 'application/json',
      }),
    )
  }

  /** Keeps what the page showed when a step failed, next to the screenshots. */
  function screenshotOnFailure(name: string): void {
    onTestFailed(async () => {
      await screenshot(scene().page, `failed-${name}`).catch(() => undefined)
    })
  }

  async function expectAccessible(name: string): Promise<void> {
    await screenshot(scene().page, name)
    expect(await seriousViolations(scene().page), `axe on ${name}`).toEqual([])
  }

  async function goTo(screen: RegExp): Promise<void> {
    await scene()
      .page.getByRole('navigation', { name: 'Screens' })
      .getByRole('button', { name: screen })
      .click()
  }

  async function pickClient(client: string): Promise<void> {
    await goTo(/^Clients$/)
    await scene().page.getByRole('button', { name: client, exact: true }).click()
    await scene().page.getByRole('heading', { name: 'Dataset', level: 1 }).waitFor()
  }

  /** Points on the named chart (train and validation together). */
  async function chartPoints(title: string): Promise<number> {
    const figure = scene()
      .page.locator('figure.chart')
      .filter({ has: scene().page.getByText(title, { exact: true }) })
    return Number((await figure.first().getAttribute('data-points')) ?? 0)
  }

  async function until(
    check: () => Promise<boolean>,
    timeoutMs: number,
    what: string,
  ): Promise<void> {
    const end = Date.now() + timeoutMs
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
      await new Promise((r) => setTimeout(r, 150))
    }
  }

  async function setParam(label: string, value: string): Promise<void> {
    await scene().page.getByRole('spinbutton', { name: label, exact: true }).fill(value)
  }

  return {
    seedClient,
    plantMissingImage,
    plantUnreadableImage,
    screenshotOnFailure,
    expectAccessible,
    goTo,
    pickClient,
    chartPoints,
    until,
    setParam,
  }
}
