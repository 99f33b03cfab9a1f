// A detection dataset and a finished detection run in a real browser against the real core: the
// dataset's thumbnails carry their boxes in class colours with a legend, and the run's results
// screen shows COCO's summary, the per-class AP table, the PR curves and the worst validation
// images with predicted boxes over the true ones, on the thumbnails of those files. The run is a
// record in the run history, as a finished job leaves it; the dataset is the generated one.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { localPaths, loadSettings } from '../../src-main/config/settings'
import { startCore, type Core } from '../../src-main/core'
import { writeDemoDetectionDataset } from '../../src-main/dataset/demo-detection-dataset'
import { startHttpServer, type HttpServer } from '../../src-main/http/server'
import { uploadFolder } from '../../src-main/storage/upload-folder'
import { datasetBucketName } from '../../src-shared/client-names'
import { detectionMetrics, detectionRecord } from '../fixtures/detection-run'
import { launchBrowser, type TestBrowser } from './browser'
import { ensureRendererBuild, rendererOut } from './renderer-build'
import { walkthroughHelpers } from './walkthrough-steps'

const CLIENT = 'shapes'
const RUN_ID = 'shapes-1'

let core: Core
let http: HttpServer
let browser: TestBrowser
let page: Page

const { screenshotOnFailure, expectAccessible, goTo, until } = walkthroughHelpers(() => ({
  page,
  core,
}))

/** How many of the page's images matching `selector` have really loaded. */
function loadedImages(selector: string): Promise<number> {
  return page
    .locator(selector)
    .evaluateAll(
      (images) =>
        images.filter((image) => (image as unknown as { naturalWidth: number }).naturalWidth > 0)
          .length,
    )
}

describe('a detection dataset and run in a browser', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    await ensureRendererBuild()
    const settings = loadSettings({
      TRAINING_SERVER_HOME: process.env.TRAINING_SERVER_HOME,
      TRAINING_SERVER_PORT: '0',
      TRAINING_SERVER_S3_PORT: '0',
    })
    // The run history is read at start: the finished run is there before the core is.
    const runs = localPaths(settings.home, '').runs
    await mkdir(runs, { recursive: true })
    const record = detectionRecord(
      RUN_ID,
      CLIENT,
      detectionMetrics(['00000003.jpg', '00000007.jpg']),
    )
    await writeFile(join(runs, `${RUN_ID}.json`), JSON.stringify(record))
    core = await startCore(settings, { seedDemo: false })
    http = await startHttpServer(core, { port: 0, uiDir: rendererOut })
    const folder = await mkdtemp(join(settings.home, 'dataset-'))
    try {
      await writeDemoDetectionDataset(folder, { seed: 4, images: 12, size: 128 })
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

  it('draws each thumbnail’s boxes in its class colours, with a legend', async () => {
    screenshotOnFailure('detection-dataset')
    await page.goto(http.url)
    await page.getByRole('button', { name: CLIENT, exact: true }).click()
    const grid = page.getByRole('listbox', { name: 'Dataset images' })
    await grid.getByRole('option').first().waitFor({ timeout: 30_000 })
    const legend = page.getByRole('list', { name: 'Box colours' })
    expect(await legend.getByRole('listitem').allTextContents()).toEqual([
      'circle',
      'square',
      'triangle',
      'star',
    ])
    const overlays = grid.locator('svg.box-overlay')
    expect(await overlays.count()).toBe(12)
    expect(await overlays.first().getAttribute('viewBox')).toBe('0 0 128 128')
    expect(await grid.locator('.overlay-box').count()).toBeGreaterThanOrEqual(12)
    // The boxes are drawn on the thumbnails, in the same square.
    await until(async () => (await loadedImages('.thumb img')) > 0, 30_000, 'thumbnails')
    const image = await grid.locator('.thumb img').first().boundingBox()
    const svg = await overlays.first().boundingBox()
    expect(svg && image && Math.abs(svg.width - (image.width - 4))).toBeLessThan(1)
    await expectAccessible('detection-dataset')
  })

  it('shows the run’s COCO results: summary, AP per class, PR curves, worst images', async () => {
    screenshotOnFailure('detection-results')
    await goTo(/^Results$/)
    await page.getByRole('heading', { name: 'Results', level: 1 }).waitFor()
    const coco = page.getByLabel('COCO evaluation')
    await coco.waitFor({ timeout: 15_000 })
    expect(await coco.locator('dd').allTextContents()).toEqual([
      '0.612',
      '0.940',
      '0.701',
      '—',
      '0.580',
      '0.660',
      '0.700',
    ])
    const table = page.getByRole('table', { name: /Per-class AP/ })
    expect(await table.locator('tbody th').allTextContents()).toEqual([
      'circle',
      'square',
      'triangle',
    ])
    const curves = page.locator('figure.pr-chart polyline.pr-curve')
    expect(await curves.count()).toBe(3)
    const box = await curves.first().boundingBox()
    expect(box && box.width).toBeGreaterThan(50)
    expect(
      await page
        .locator('figure.chart')
        .filter({ hasText: 'mAP@.5' })
        .first()
        .getAttribute('data-points'),
    ).toBe('5')

    const worst = page.getByRole('list', { name: 'Validation images with the most errors' })
    expect(await worst.getByRole('listitem').count()).toBe(2)
    await until(async () => (await loadedImages('.worst-image img')) === 2, 30_000, 'worst images')
    expect(await worst.locator('[data-kind="predicted"]').count()).toBe(4)
    expect(await worst.locator('[data-kind="truth"]').count()).toBe(5)
    expect(await worst.locator('.overlay-label').first().textContent()).toBe('square 91%')
    await expectAccessible('detection-results')
  })
})
