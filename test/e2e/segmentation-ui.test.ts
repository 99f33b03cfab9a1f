// A finished instance-segmentation run in a real browser against the real core: the results
// screen shows mask COCOeval with the boxes' beside it, per-class mask AP, the PR curves and the
// worst validation image with its predicted masks filled and its true masks outlined, on the
// thumbnail of that file. The run is a record in the run history, as a finished job leaves it;
// the dataset is the generated one.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { localPaths, loadSettings } from '../../src-main/config/settings'
import { startCore, type Core } from '../../src-main/core'
import { writeDemoSegmentationDataset } from '../../src-main/dataset/demo-segmentation-dataset'
import { startHttpServer, type HttpServer } from '../../src-main/http/server'
import { uploadFolder } from '../../src-main/storage/upload-folder'
import { datasetBucketName } from '../../src-shared/client-names'
import { segmentationMetrics, segmentationRecord } from '../fixtures/segmentation-run'
import { launchBrowser, type TestBrowser } from './browser'
import { ensureRendererBuild, rendererOut } from './renderer-build'
import { walkthroughHelpers } from './walkthrough-steps'

const CLIENT = 'masks'
const RUN_ID = 'masks-1'

let core: Core
let http: HttpServer
let browser: TestBrowser
let page: Page

const { screenshotOnFailure, expectAccessible, goTo, until } = walkthroughHelpers(() => ({
  page,
  core,
}))

describe('a segmentation run in a browser', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    await ensureRendererBuild()
    const settings = loadSettings({
      TRAINING_SERVER_HOME: process.env.TRAINING_SERVER_HOME,
      TRAINING_SERVER_PORT: '0',
      TRAINING_SERVER_S3_PORT: '0',
    })
    const runs = localPaths(settings.home, '').runs
    await mkdir(runs, { recursive: true })
    const record = segmentationRecord(RUN_ID, CLIENT, segmentationMetrics('00000004.png'))
    await writeFile(join(runs, `${RUN_ID}.json`), JSON.stringify(record))
    core = await startCore(settings, { seedDemo: false })
    http = await startHttpServer(core, { port: 0, uiDir: rendererOut })
    const folder = await mkdtemp(join(settings.home, 'dataset-'))
    try {
      await writeDemoSegmentationDataset(folder, { seed: 4, images: 8, size: 128 })
      await uploadFolder({
        s3: core.s3,
        bucket: datasetBucketName(core.settings.bucketPrefix, CLIENT),
        folder,
        createBucket: true,
      })
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
    await core.jobs.syncOnly(CLIENT)
    browser = await launchBrowser()
    page = browser.page
  }, 150_000)

  afterAll(async () => {
    await browser?.close()
    await http?.close()
    await core?.close()
  }, 60_000)

  it('shows mask and box COCOeval, mask AP per class, PR curves and masks on the worst image', async () => {
    screenshotOnFailure('segmentation-results')
    await page.goto(http.url)
    await page.getByRole('button', { name: CLIENT, exact: true }).click()
    await goTo(/^Results$/)
    await page.getByRole('heading', { name: 'Results', level: 1 }).waitFor()
    const masks = page.getByLabel('COCO evaluation (mask)')
    await masks.waitFor({ timeout: 15_000 })
    expect((await masks.locator('dd').allTextContents()).slice(0, 3)).toEqual([
      '0.550',
      '0.871',
      '0.600',
    ])
    const boxes = page.getByLabel('COCO evaluation (box)')
    expect((await boxes.locator('dd').allTextContents())[1]).toBe('0.912')
    const table = page.getByRole('table', { name: /Per-class mask AP/ })
    expect(await table.locator('tbody th').allTextContents()).toEqual(['disc', 'star', 'hexagon'])
    expect(await page.locator('figure.pr-chart polyline.pr-curve').count()).toBe(2)

    const worst = page.getByRole('list', { name: 'Validation images with the most errors' })
    expect(await worst.getByRole('listitem').count()).toBe(1)
    await until(
      async () =>
        (await page
          .locator('.worst-image img')
          .evaluateAll(
            (images) =>
              images.filter((i) => (i as unknown as { naturalWidth: number }).naturalWidth > 0)
                .length,
          )) === 1,
      30_000,
      'worst image',
    )
    const paths = worst.locator('svg.mask-overlay path')
    expect(await paths.count()).toBe(4)
    expect(await worst.locator('svg.mask-overlay path[fill="none"]').count()).toBe(2)
    // The masks sit on the thumbnail, in the same square.
    const image = await worst.locator('img').boundingBox()
    const svg = await worst.locator('svg.mask-overlay').boundingBox()
    expect(svg && image && Math.abs(svg.width - image.width)).toBeLessThan(5)
    await expectAccessible('segmentation-results')
  })
})
