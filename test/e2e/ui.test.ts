// The UI end to end, in a real browser against the real core: the built renderer served by the
// embedded endpoint, datasets in the embedded S3 store. It walks what a user does: pick a client
// and see its images, find a planted annotation error, start and stop training, train to the end
// and read the results, try the stored model on an image, reopen a past run, test the storage
// connection from the settings, follow the screens' addresses through Back and Reload, and fit a
// narrow window. Every screen is screenshot and checked with axe.

import { existsSync } from 'node:fs'
import type { Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadSettings } from '../../src-main/config/settings'
import { settingsFilePath } from '../../src-main/config/settings-file'
import { startCore, type Core } from '../../src-main/core'
import { startHttpServer, type HttpServer } from '../../src-main/http/server'
import type { TrainDefaultsView } from '../../src-shared/train-defaults'
import { DEFAULT_TRAIN_PARAMS } from '../../src-shared/train-params'
import { rawRequest } from '../http/server-fixture'
import { launchBrowser, type TestBrowser } from './browser'
import { ensureRendererBuild, rendererOut } from './renderer-build'
import { MISSING_FILE, UNREADABLE_FILE, walkthroughHelpers } from './walkthrough-steps'

const TRAINING_MS = 240_000

let core: Core
let http: HttpServer
let browser: TestBrowser
let page: Page

const {
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
} = walkthroughHelpers(() => ({ page, core }))

// Steps share one browser page and build on each other, so they run in order; training steps
// take as long as the machine needs for a few small epochs.
describe(
  'the UI in a browser, its screens walked through in order on one page',
  { timeout: TRAINING_MS + 60_000 },
  () => {
    beforeAll(async () => {
      await ensureRendererBuild()
      const settings = loadSettings({
        TRAINING_SERVER_HOME: process.env.TRAINING_SERVER_HOME,
        TRAINING_SERVER_PORT: '0',
        TRAINING_SERVER_S3_PORT: '0',
      })
      core = await startCore(settings, { seedDemo: false })
      http = await startHttpServer(core, { port: 0, uiDir: rendererOut })
      await seedClient('client0', 1)
      await seedClient('client1', 2)
      await plantMissingImage('client1')
      await plantUnreadableImage('client1')
      browser = await launchBrowser()
      page = browser.page
    }, 120_000)

    afterAll(async () => {
      await browser?.close()
      await http?.close()
      await core?.close()
    }, 60_000)

    it('lists the clients and uses the HTTP transport', async () => {
      screenshotOnFailure('clients')
      await page.goto(`${http.url}/`)
      await page.getByRole('heading', { name: 'Clients', level: 1 }).waitFor()
      await page.getByRole('button', { name: 'client0', exact: true }).waitFor()
      await page.getByRole('button', { name: 'client1', exact: true }).waitFor()
      // Page scripts are strings: this file is type-checked for Node, without the DOM.
      expect(await page.evaluate('document.documentElement.dataset.transport')).toBe('http')
      await expectAccessible('clients')
    })

    it('opens the settings and tests the connection to the embedded store, saving nothing', async () => {
      screenshotOnFailure('settings')
      await goTo(/^Settings$/)
      await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor()
      expect(await page.getByLabel('S3 endpoint').inputValue()).toBe('')
      // The test server's port comes from the environment: the field says so and stays read-only.
      expect(await page.getByLabel('Port').isDisabled()).toBe(true)
      // Beside the saved port, the one the server really listens on.
      await page
        .getByText(`Saved: 8000 — takes effect at next start; running on ${http.port}.`)
        .waitFor()
      await page.getByText(`In use: the embedded store at ${core.s3Endpoint}.`).waitFor()
      await page.getByRole('button', { name: 'Test connection' }).click()
      const found = page.getByRole('list', { name: 'Client buckets found' })
      await found.waitFor({ timeout: 15_000 })
      expect(await found.getByRole('listitem').allTextContents()).toEqual([
        'client0 training-server-client0',
        'client1 training-server-client1',
      ])
      expect(await page.getByText(/Connected to the embedded store/).count()).toBe(1)
      expect(existsSync(settingsFilePath(core.settings.home))).toBe(false)
      await expectAccessible('settings')
    })

    it('shows client0 thumbnails after a sync, filtered by class, with image details', async () => {
      screenshotOnFailure('dataset')
      await pickClient('client0')
      await page.getByRole('button', { name: 'Sync', exact: true }).first().click()
      const grid = page.getByRole('listbox', { name: 'Dataset images' })
      await grid.getByRole('option').first().waitFor({ timeout: 60_000 })
      // The thumbnails really load from the endpoint (not just their boxes).
      const thumbnails = page.locator('.thumb img')
      await until(
        () =>
          thumbnails.evaluateAll((images) =>
            images.some((image) => (image as unknown as { naturalWidth: number }).naturalWidth > 0),
          ),
        30_000,
        'a decoded thumbnail',
      )
      expect(await page.getByText('42 images', { exact: true }).count()).toBeGreaterThan(0)

      // The histogram filters the grid to one class.
      const classButton = page
        .getByRole('group', { name: 'Filter by class' })
        .getByRole('button')
        .nth(1)
      const className = (await classButton.locator('.histogram-name').textContent()) ?? ''
      await classButton.click()
      const filtered = page.getByRole('listbox', { name: `Images labelled ${className}` })
      await filtered.getByRole('option').first().waitFor()
      const labels = await filtered.locator('.thumb-label').allTextContents()
      expect(labels.length).toBe(14)
      expect(new Set(labels)).toEqual(new Set([className]))

      // Keyboard: focus the grid's first image, arrow right selects the next one.
      await filtered.getByRole('option').first().click()
      await page.keyboard.press('ArrowRight')
      const selected = filtered.locator('[aria-selected="true"]')
      expect(await selected.getAttribute('aria-posinset')).toBe('2')
      const details = page.getByRole('complementary', { name: 'Image details' })
      await details.getByRole('img').waitFor()
      expect(await details.textContent()).toContain(className)
      await expectAccessible('dataset')
    })

    it('shows the planted annotation error of client1, with a link that opens the image', async () => {
      screenshotOnFailure('annotation-errors')
      await pickClient('client1')
      await goTo(/^Annotation errors/)
      await page.getByRole('button', { name: 'Sync', exact: true }).first().click()
      const row = page
        .getByRole('row')
        .filter({ hasText: MISSING_FILE })
        .filter({ hasText: 'IMAGE_FILE_MISSING' })
      await row.waitFor({ timeout: 60_000 })
      expect(await row.getByRole('cell').first().textContent()).toBe('Error')
      expect(await row.textContent()).toMatch(/\$\.images\[\d+\]/)
      expect(await page.getByText(/Training is blocked by/).count()).toBe(1)
      // The image no decoder can read is listed as left out, with its code, not passed over.
      const skipped = page.getByRole('table', { name: 'Images left out of training' })
      await skipped.waitFor()
      const skippedRow = skipped.getByRole('row').filter({ hasText: UNREADABLE_FILE })
      expect(await skippedRow.getByRole('code').textContent()).toMatch(/^IMAGE_/)
      await expectAccessible('annotation-errors')

      await row.getByRole('button', { name: `Open image ${MISSING_FILE}` }).click()
      const details = page.getByRole('complementary', { name: 'Image details' })
      await details.getByText(MISSING_FILE).waitFor()
      expect(await details.textContent()).toContain('not in the dataset')
    })

    it('starts the training form from what the server would choose for client0', async () => {
      screenshotOnFailure('training-defaults')
      const answer = await rawRequest(http.port, '/api/clients/client0/train-defaults')
      const defaults = answer.json<TrainDefaultsView>()
      expect(defaults.basis).toBe('dataset')
      // The demo images are at most 48 px: the server trains at their size, not at the default 64.
      const imageSize = defaults.params.imageSize
      expect(imageSize?.source).toBe('dataset')
      expect(imageSize?.value).not.toBe(DEFAULT_TRAIN_PARAMS.imageSize)

      await pickClient('client0')
      await goTo(/^Training/)
      const size = page.getByRole('spinbutton', { name: 'Image size (px)', exact: true })
      await until(
        async () => (await size.inputValue()) === String(imageSize?.value),
        10_000,
        'the dataset-chosen image size in the form',
      )
      const sizeField = page.locator('.field').filter({ has: size })
      expect(await sizeField.textContent()).toContain('from dataset')
      await setParam('Epochs', '3')
      const epochsField = page
        .locator('.field')
        .filter({ has: page.getByRole('spinbutton', { name: 'Epochs', exact: true }) })
      expect(await epochsField.textContent()).toContain(
        `changed (server: ${defaults.params.epochs?.value})`,
      )
      await expectAccessible('training-defaults')
    })

    it('gives each screen and client an address that Back, Reload and bookmarks keep', async () => {
      screenshotOnFailure('routing')
      const hash = () => new URL(page.url()).hash
      const clientShown = () => page.locator('.header-facts').textContent()
      await pickClient('client0')
      expect(hash()).toBe('#/clients/client0/dataset')
      await goTo(/^Training/)
      await page.getByRole('heading', { name: 'Training', level: 1 }).waitFor()
      expect(hash()).toBe('#/clients/client0/training')
      await goTo(/^Runs$/)
      await page.getByRole('heading', { name: 'Runs', level: 1 }).waitFor()
      expect(hash()).toBe('#/clients/client0/runs')

      await page.goBack()
      await page.getByRole('heading', { name: 'Training', level: 1 }).waitFor()
      expect(hash()).toBe('#/clients/client0/training')
      // The form kept its edit from the step before.
      expect(await page.getByRole('spinbutton', { name: 'Epochs', exact: true }).inputValue()).toBe(
        '3',
      )

      await page.reload()
      await page.getByRole('heading', { name: 'Training', level: 1 }).waitFor()
      expect(hash()).toBe('#/clients/client0/training')
      expect(await clientShown()).toContain('client0')

      // A bookmark of another client's screen, opened fresh.
      await page.goto(`${http.url}/#/clients/client1/dataset`)
      await page.getByRole('heading', { name: 'Dataset', level: 1 }).waitFor()
      await until(async () => ((await clientShown()) ?? '').includes('client1'), 10_000, 'client1')
      await goTo(/^Settings$/)
      await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor()
      expect(hash()).toBe('#/settings')
      await page.goBack()
      await page.getByRole('heading', { name: 'Dataset', level: 1 }).waitFor()
      expect(hash()).toBe('#/clients/client1/dataset')
    })

    it('has a favicon and fits a 1024 px and a 420 px wide window', async () => {
      screenshotOnFailure('narrow')
      const icon = await page.locator('link[rel="icon"]').getAttribute('href')
      expect(icon).toBeTruthy()
      const served = await rawRequest(http.port, new URL(icon ?? '', page.url()).pathname)
      expect(served.status).toBe(200)
      expect(served.headers['content-type']).toBe('image/svg+xml')

      const scrollWidth = async () =>
        Number(await page.evaluate('document.documentElement.scrollWidth'))
      try {
        for (const width of [1024, 420]) {
          await page.setViewportSize({ width, height: 860 })
          for (const [route, heading] of [
            ['#/clients', 'Clients'],
            ['#/clients/client0/dataset', 'Dataset'],
            ['#/clients/client0/training', 'Training'],
            ['#/settings', 'Settings'],
          ] as const) {
            await page.goto(`${http.url}/${route}`)
            await page.getByRole('heading', { name: heading, level: 1 }).waitFor()
            expect(await scrollWidth(), `${route} at ${width} px`).toBeLessThanOrEqual(width)
          }
          await expectAccessible(`settings-${width}`)
          await page.goto(`${http.url}/#/clients/client0/training`)
          await page.getByRole('heading', { name: 'Training', level: 1 }).waitFor()
          await expectAccessible(`training-${width}`)
        }
      } finally {
        await page.setViewportSize({ width: 1360, height: 860 })
      }
    })

    it('starts training on client0, draws the loss curve as epochs arrive, and stops it', async () => {
      screenshotOnFailure('training-stop')
      await pickClient('client0')
      await goTo(/^Training/)
      await setParam('Epochs', '500')
      await setParam('Image size (px)', '16')
      await setParam('Batch size', '16')
      // Never stop early: this job must still be running when it is stopped.
      await setParam('Patience (epochs)', '0')
      await page.getByRole('button', { name: 'Start training' }).click()
      await until(
        async () => (await chartPoints('Loss')) >= 2,
        TRAINING_MS,
        'the first epoch on the loss chart',
      )
      const first = await chartPoints('Loss')
      await until(
        async () => (await chartPoints('Loss')) > first,
        TRAINING_MS,
        'more epochs on the loss chart',
      )
      const backend = page.locator('.job-backend')
      await until(
        async () => /Backend: (tensorflow|wasm|cpu)$/.test((await backend.textContent()) ?? ''),
        10_000,
        'the backend in use',
      )
      const epochsBar = page.getByRole('progressbar', { name: 'Epochs' })
      expect(await epochsBar.getAttribute('aria-valuetext')).toMatch(/, [1-9]\d* \/ 500 epochs$/)
      await expectAccessible('training-running')

      await page.getByRole('button', { name: 'Stop', exact: true }).click()
      await page.getByRole('dialog').getByRole('button', { name: 'Stop training' }).click()
      await page
        .locator('.job-head')
        .getByText('Interrupted', { exact: true })
        .waitFor({ timeout: 30_000 })
      expect(await page.getByRole('button', { name: 'Start training' }).isEnabled()).toBe(true)
    })

    it('trains client0 to the end and shows the results with the model files', async () => {
      screenshotOnFailure('training-done')
      await setParam('Epochs', '2')
      await page.getByRole('button', { name: 'Start training' }).click()
      await page.getByRole('button', { name: 'View results' }).waitFor({ timeout: TRAINING_MS })
      expect(await chartPoints('Loss')).toBe(4)
      await expectAccessible('training-done')

      await page.getByRole('button', { name: 'View results' }).click()
      await page.getByRole('heading', { name: 'Results', level: 1 }).waitFor()
      const accuracy = page.locator('.metric').filter({ hasText: 'Val. accuracy' }).locator('dd')
      expect(await accuracy.textContent()).toMatch(/^\d+(\.\d)?%$/)
      await page.getByRole('cell', { name: 'model.h5', exact: true }).waitFor()
      expect(await chartPoints('Accuracy')).toBe(4)

      // The engine's evaluation of the validation split: a matrix row and a score row per class.
      const matrix = page.getByRole('table', { name: /Confusion matrix/ })
      await matrix.waitFor()
      expect(await matrix.locator('tbody').getByRole('row').count()).toBe(3)
      expect(await matrix.locator('tbody').getByRole('rowheader').allTextContents()).toEqual(
        await matrix.locator('thead').getByRole('columnheader').allTextContents(),
      )
      const matrixTotal = (await matrix.locator('tbody td').allTextContents()).reduce(
        (sum, count) => sum + Number(count),
        0,
      )
      const images = page.locator('.metric').filter({ hasText: 'Train / val. images' })
      const valImages = Number(((await images.locator('dd').textContent()) ?? '').split(' / ')[1])
      expect(matrixTotal).toBe(valImages)
      const scores = page.getByRole('table', { name: /Per-class scores/ })
      expect(await scores.locator('tbody').getByRole('row').count()).toBe(3)
      expect(await page.locator('.metric').filter({ hasText: 'Best epoch' }).count()).toBe(1)
      // Misclassified images (if any) show their real thumbnails.
      await page.getByRole('heading', { name: 'Misclassified examples' }).waitFor()
      const mistakes = page.locator('.mistake img')
      if ((await mistakes.count()) > 0)
        await until(
          () =>
            mistakes.evaluateAll((all) =>
              all.every((image) => (image as unknown as { naturalWidth: number }).naturalWidth > 0),
            ),
          30_000,
          'the misclassified thumbnails',
        )
      await expectAccessible('results')
      // The heat map's colours keep their contrast in the dark scheme too.
      await page.emulateMedia({ colorScheme: 'dark' })
      await expectAccessible('results-evaluated-dark')
      await page.emulateMedia({ colorScheme: 'light' })
    })

    it('tries the stored model on an image and links every model file to its download', async () => {
      screenshotOnFailure('try-it')
      const link = page.getByRole('link', { name: 'Download model.json' })
      await link.waitFor()
      const download = await page.request.get((await link.getAttribute('href')) ?? '')
      expect(download.status()).toBe(200)
      expect(download.headers()['content-disposition']).toContain('attachment')
      const image = await sharp({
        create: { width: 48, height: 48, channels: 3, background: { r: 30, g: 40, b: 50 } },
      })
        .png()
        .toBuffer()
      await page
        .getByLabel(/Choose images to classify/)
        .setInputFiles({ name: 'try.png', mimeType: 'image/png', buffer: image })
      const scores = page.getByRole('list', { name: 'Top classes of try.png' })
      await scores.waitFor({ timeout: 60_000 })
      expect(await scores.getByRole('listitem').count()).toBe(3)
      await expectAccessible('results-try-it')
    })

    it('keeps the finished run as a model version, promoted, with its model.h5 to download', async () => {
      screenshotOnFailure('versions')
      const versions = page.getByRole('table', { name: 'Model versions of client0' })
      await versions.waitFor({ timeout: 30_000 })
      const rows = versions.getByRole('row')
      // The interrupted run stored nothing: one version, the finished run's, promoted.
      await until(async () => (await rows.count()) === 2, 10_000, 'one model version')
      expect(await rows.nth(1).getByText('Promoted', { exact: true }).count()).toBe(1)
      const h5 = rows.nth(1).getByRole('link', { name: /^Download model\.h5 of / })
      const download = await page.request.get((await h5.getAttribute('href')) ?? '')
      expect(download.status()).toBe(200)
      expect((await download.body()).subarray(0, 8)).toEqual(
        Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]),
      )
      await expectAccessible('results-versions')
    })

    it('lists both runs and reopens the interrupted one with its curves', async () => {
      screenshotOnFailure('runs')
      await goTo(/^Runs$/)
      const rows = page.getByRole('table').getByRole('row')
      await until(async () => (await rows.count()) === 3, 10_000, 'two runs in the table')
      await expectAccessible('runs')

      const interrupted = rows.filter({ hasText: 'Interrupted' })
      await interrupted.getByRole('button', { name: /^Open run/ }).click()
      await page.getByRole('heading', { name: 'Results', level: 1 }).waitFor()
      await page.locator('.job-head .badge').getByText('Interrupted', { exact: true }).waitFor()
      expect(await chartPoints('Loss')).toBeGreaterThanOrEqual(4)
    })

    it('resumes the interrupted run from its checkpoint and stops it again', async () => {
      screenshotOnFailure('resume')
      await goTo(/^Runs$/)
      const resume = page.getByRole('button', { name: /^Resume run .* from epoch \d+$/ })
      await resume.waitFor({ timeout: 10_000 })
      const from = Number(
        /from epoch (\d+)$/.exec((await resume.getAttribute('aria-label')) ?? '')?.[1],
      )
      expect(from).toBeGreaterThanOrEqual(1)
      await resume.click()
      await page.getByRole('heading', { name: 'Training', level: 1 }).waitFor()
      // The resumed run starts where the checkpoint ends: its chart already holds those epochs.
      await until(
        async () => (await chartPoints('Loss')) >= 2 * (from + 1),
        TRAINING_MS,
        'an epoch after the checkpoint on the loss chart',
      )
      await expectAccessible('training-resumed')
      await page.getByRole('button', { name: 'Stop', exact: true }).click()
      await page.getByRole('dialog').getByRole('button', { name: 'Stop training' }).click()
      await page
        .locator('.job-head')
        .getByText('Interrupted', { exact: true })
        .waitFor({ timeout: 30_000 })
    })

    it('follows the dark colour scheme', async () => {
      screenshotOnFailure('dark')
      await page.emulateMedia({ colorScheme: 'dark' })
      const background = await page.evaluate('getComputedStyle(document.body).backgroundColor')
      expect(background).toBe('rgb(14, 18, 23)')
      await expectAccessible('results-dark')
      await goTo(/^Training/)
      await expectAccessible('training-dark')
      await pickClient('client0')
      await expectAccessible('dataset-dark')
      await goTo(/^Settings$/)
      await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor()
      await expectAccessible('settings-dark')
    })
  },
)
