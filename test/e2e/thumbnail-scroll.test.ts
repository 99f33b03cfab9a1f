// A fast scroll through a large dataset in a real browser: the grid asks only for the thumbnails
// of the rows it stops at, not for every row it passed, and those cells fill soon after the
// scroll ends.

import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { datasetBucketName } from '../../src-shared/client-names'
import { loadSettings } from '../../src-main/config/settings'
import { startCore, type Core } from '../../src-main/core'
import { writeDemoDataset } from '../../src-main/dataset/demo-dataset'
import { startHttpServer, type HttpServer } from '../../src-main/http/server'
import { uploadFolder } from '../../src-main/storage/upload-folder'
import { launchBrowser, type TestBrowser } from './browser'
import { ensureRendererBuild, rendererOut } from './renderer-build'

const CLIENT = 'scroll'
const IMAGES = 2_400
/** How long the scroll from top to bottom takes: a flick, not a read. */
const SCROLL_MS = 1_200
/** One notch of a fast wheel spin. */
const WHEEL_PX = 1_500
/** Far below the one request per image that loading every passed row costs. */
const MAX_REQUESTS = 200
/** One second on an idle machine; the margin is for a loaded one. */
const FILL_MS = 3_000

let core: Core
let http: HttpServer
let browser: TestBrowser
let page: Page

// The in-page scripts are strings: this project's Node-side types have no DOM.

/** Milliseconds until every thumbnail inside the grid's viewport has loaded. */
function visibleCellsFilled(page: Page, timeoutMs: number): Promise<number> {
  return page.evaluate(`new Promise((resolve, reject) => {
    const start = performance.now()
    const check = () => {
      const scroller = document.querySelector('.thumb-scroll')
      if (!scroller) return reject(new Error('no grid'))
      const view = scroller.getBoundingClientRect()
      const visible = [...scroller.querySelectorAll('img')].filter((img) => {
        const box = img.getBoundingClientRect()
        return box.bottom > view.top && box.top < view.bottom
      })
      const filled = visible.every((img) => img.getAttribute('src') && img.complete && img.naturalWidth > 0)
      const elapsed = performance.now() - start
      if (visible.length > 0 && filled) return resolve(elapsed)
      if (elapsed > ${timeoutMs}) return reject(new Error('cells still empty after ${timeoutMs} ms'))
      requestAnimationFrame(check)
    }
    check()
  })`)
}

/** Wheels the grid from top to bottom in about `durationMs`, as a hand on a mouse wheel would. */
async function flickToEnd(page: Page, durationMs: number): Promise<void> {
  const box = await page.locator('.thumb-scroll').boundingBox()
  if (!box) throw new Error('no grid')
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
  const height = Number(await page.evaluate(`document.querySelector('.thumb-scroll').scrollHeight`))
  const steps = Math.ceil(height / WHEEL_PX) + 2
  for (let step = 0; step < steps; step++) {
    await page.mouse.wheel(0, WHEEL_PX)
    await new Promise((resolve) => setTimeout(resolve, durationMs / steps))
  }
}

describe('scrolling fast through 2,400 thumbnails', { timeout: 300_000 }, () => {
  beforeAll(async () => {
    await ensureRendererBuild()
    const settings = loadSettings({
      TRAINING_SERVER_HOME: process.env.TRAINING_SERVER_HOME,
      TRAINING_SERVER_PORT: '0',
      TRAINING_SERVER_S3_PORT: '0',
    })
    core = await startCore(settings, { seedDemo: false })
    http = await startHttpServer(core, { port: 0, uiDir: rendererOut })
    const folder = await mkdtemp(join(process.env.TRAINING_SERVER_HOME ?? '', 'dataset-'))
    try {
      await writeDemoDataset(folder, { seed: 3, classes: 3, imagesPerClass: IMAGES / 3, size: 16 })
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
  }, 280_000)

  afterAll(async () => {
    await browser?.close()
    await http?.close()
    await core?.close()
  }, 60_000)

  it('requests only the rows it stops at, and fills them quickly', async () => {
    await page.goto(http.url)
    await page.getByRole('button', { name: CLIENT, exact: true }).click()
    const grid = page.getByRole('listbox', { name: 'Dataset images' })
    await grid.waitFor()
    await visibleCellsFilled(page, 30_000)

    const requests: string[] = []
    page.on('request', (request) => {
      if (request.url().includes('/thumbnails/')) requests.push(request.url())
    })
    await flickToEnd(page, SCROLL_MS)
    // Waited for well past the limit, so a failure says how long it took.
    const fillMs = await visibleCellsFilled(page, 30_000)
    await expect
      .poll(() => grid.getByRole('option').last().getAttribute('aria-posinset'))
      .toBe(String(IMAGES))
    console.info(JSON.stringify({ thumbnailRequests: requests.length, fillMs: Math.round(fillMs) }))
    expect(requests.length).toBeLessThan(MAX_REQUESTS)
    expect(requests.length).toBeGreaterThan(0)
    expect(fillMs).toBeLessThan(FILL_MS)
  })
})
