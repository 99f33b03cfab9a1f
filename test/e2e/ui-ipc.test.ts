// The UI end to end over the desktop app's path, without Electron: the built renderer in Chromium,
// served from an origin with no endpoint behind it, the preload's real bridge on a channel that
// clones and checks like Electron's (ipc-page-bridge.ts, ipc-page-channel.ts), the real typed
// ipcMain wrapper, trusted-sender check and IPC adapter over the real core, and thumbnails and
// model files answered by the app scheme's own handler. It walks the same screens as ui.test.ts,
// then shows that what Electron would refuse or drop is refused or dropped here too.

import { readFile } from 'node:fs/promises'
import { join, normalize, sep } from 'node:path'
import type { Page, Route } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { JOB_EVENT_CHANNEL, THUMBNAIL_SCHEME } from '../../src-shared/ipc-contract'
import { loadSettings } from '../../src-main/config/settings'
import { startCore, type Core } from '../../src-main/core'
import { appSchemeResponse } from '../../src-main/electron/app-scheme-response'
import { coreMainApi } from '../../src-main/electron/core-api'
import { ownPageFilter } from '../../src-main/electron/own-page'
import { createSettingsService } from '../../src-main/settings-service'
import { launchBrowser, type TestBrowser } from './browser'
import { buildIpcPageBridge } from './ipc-page-bundle'
import { PageIpcMain } from './ipc-page-channel'
import { ensureRendererBuild, rendererOut } from './renderer-build'
import { MISSING_FILE, walkthroughHelpers } from './walkthrough-steps'

// ipc-main.ts imports Electron's ipcMain as its default; the walk hands it the channel instead.
vi.mock('electron', () => ({ ipcMain: {} }))

const { createTypedIpcMain, TrustedSenders } = await import('../../src-main/electron/ipc-main')
const { registerIpcApi } = await import('../../src-main/electron/ipc-adapter')
type IpcApiRegistration = import('../../src-main/electron/ipc-adapter').IpcApiRegistration

/** The window's own pages; nothing answers here but the bundled UI's files. */
const APP = 'http://desktop-app.invalid/'
const ELSEWHERE = 'http://elsewhere.invalid/'
const TRAINING_MS = 240_000

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
}

let core: Core
let browser: TestBrowser
let page: Page
let ipc: PageIpcMain
let registration: IpcApiRegistration
/** Requests the page made that only the HTTP transport would make. */
const endpointRequests: string[] = []
const schemeRequests: string[] = []

const {
  seedClient,
  plantMissingImage,
  screenshotOnFailure,
  goTo,
  pickClient,
  chartPoints,
  until,
  setParam,
} = walkthroughHelpers(() => ({ page, core }))

async function serveApp(route: Route, url: URL): Promise<void> {
  if (url.pathname.startsWith('/api') || url.pathname === '/progress') {
    endpointRequests.push(url.pathname)
    return route.fulfill({ status: 404, body: 'no endpoint in the desktop window' })
  }
  const relative = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1))
  const file = normalize(join(rendererOut, relative))
  if (!file.startsWith(rendererOut + sep)) return route.fulfill({ status: 404 })
  try {
    const body = await readFile(file)
    const ext = file.slice(file.lastIndexOf('.'))
    return route.fulfill({ body, contentType: CONTENT_TYPES[ext] ?? 'application/octet-stream' })
  } catch {
    return route.fulfill({ status: 404 })
  }
}

async function serveAppScheme(route: Route, href: string): Promise<void> {
  schemeRequests.push(href)
  const response = await appSchemeResponse(core.jobs, href)
  return route.fulfill({
    status: response.status,
    headers: Object.fromEntries(response.headers),
    body: Buffer.from(await response.arrayBuffer()),
  })
}

/** Runs a page script with the bridge (strings: this file is checked without the DOM's types). */
function inPage<T>(script: string): Promise<T> {
  return page.evaluate(script) as Promise<T>
}

describe(
  'the UI over the desktop IPC path, its screens walked through in order on one page',
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
      await seedClient('client0', 1)
      await seedClient('client1', 2)
      await plantMissingImage('client1')

      browser = await launchBrowser()
      page = browser.page
      ipc = await PageIpcMain.attach(page)
      const trusted = new TrustedSenders()
      trusted.trust(ipc.sender, ownPageFilter(`${APP}index.html`))
      registration = registerIpcApi(
        createTypedIpcMain(trusted, ipc),
        coreMainApi(core, createSettingsService(core)),
      )
      await page.addInitScript({ content: await buildIpcPageBridge() })
      await browser.context.route(/.*/, async (route) => {
        const href = route.request().url()
        if (href.startsWith(`${THUMBNAIL_SCHEME}:`)) return serveAppScheme(route, href)
        const url = new URL(href)
        if (href.startsWith(APP)) return serveApp(route, url)
        if (href.startsWith(ELSEWHERE))
          return route.fulfill({ contentType: 'text/html', body: '<title>elsewhere</title>' })
        endpointRequests.push(href)
        return route.abort()
      })
    }, 120_000)

    afterAll(async () => {
      ipc?.sender.destroy()
      registration?.dispose()
      await browser?.close()
      await core?.close()
    }, 60_000)

    it('lists the clients over the IPC transport, never asking an endpoint', async () => {
      screenshotOnFailure('ipc-clients')
      await page.goto(`${APP}index.html`)
      await page.getByRole('button', { name: 'client0', exact: true }).waitFor()
      await page.getByRole('button', { name: 'client1', exact: true }).waitFor()
      expect(await inPage('document.documentElement.dataset.transport')).toBe('ipc')
      expect(ipc.calls).toContain('training-server:listClients')
      expect(endpointRequests).toEqual([])
    })

    it('reads the settings and tests the connection to the embedded store', async () => {
      screenshotOnFailure('ipc-settings')
      await goTo(/^Settings$/)
      await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor()
      expect(await page.getByLabel('Port').isDisabled()).toBe(true)
      await page.getByRole('button', { name: 'Test connection' }).click()
      const found = page.getByRole('list', { name: 'Client buckets found' })
      await found.waitFor({ timeout: 15_000 })
      expect(await found.getByRole('listitem').allTextContents()).toEqual([
        'client0 training-server-client0',
        'client1 training-server-client1',
      ])
      expect(ipc.calls).toEqual(
        expect.arrayContaining(['training-server:getSettings', 'training-server:testConnection']),
      )
    })

    it('syncs client0 and loads its thumbnails through the app scheme', async () => {
      screenshotOnFailure('ipc-dataset')
      await pickClient('client0')
      await page.getByRole('button', { name: 'Sync', exact: true }).first().click()
      const grid = page.getByRole('listbox', { name: 'Dataset images' })
      await grid.getByRole('option').first().waitFor({ timeout: 60_000 })
      const thumbnails = page.locator('.thumb img')
      await until(
        () =>
          thumbnails.evaluateAll((images) =>
            images.some((image) => (image as unknown as { naturalWidth: number }).naturalWidth > 0),
          ),
        30_000,
        'a decoded thumbnail',
      )
      const sources = await thumbnails.evaluateAll((images) =>
        images.map((image) => (image as unknown as { src: string }).src),
      )
      expect(sources.every((src) => src.startsWith(`${THUMBNAIL_SCHEME}://thumbnails/`))).toBe(true)
      expect(schemeRequests.length).toBeGreaterThan(0)
      expect(await page.getByText('42 images', { exact: true }).count()).toBeGreaterThan(0)
      expect(ipc.calls).toContain('training-server:syncDataset')
    })

    it('shows the planted annotation error of client1', async () => {
      screenshotOnFailure('ipc-annotation-errors')
      await pickClient('client1')
      await goTo(/^Annotation errors/)
      await page.getByRole('button', { name: 'Sync', exact: true }).first().click()
      const row = page
        .getByRole('row')
        .filter({ hasText: MISSING_FILE })
        .filter({ hasText: 'IMAGE_FILE_MISSING' })
      await row.waitFor({ timeout: 60_000 })
      expect(await row.textContent()).toMatch(/\$\.images\[\d+\]/)
      expect(await page.getByText(/Training is blocked by/).count()).toBe(1)
    })

    it('starts training on client0, draws epochs as their events arrive, and stops it', async () => {
      screenshotOnFailure('ipc-training-stop')
      await pickClient('client0')
      await goTo(/^Training/)
      await setParam('Epochs', '500')
      await setParam('Image size (px)', '16')
      await setParam('Batch size', '16')
      await setParam('Patience (epochs)', '0')
      await page.getByRole('button', { name: 'Start training' }).click()
      await until(
        async () => (await chartPoints('Loss')) >= 4,
        TRAINING_MS,
        'two epochs on the loss chart',
      )
      expect(registration.subscriptionCount()).toBeGreaterThan(0)
      await page.getByRole('button', { name: 'Stop', exact: true }).click()
      // Stop asks first: the run can be resumed or will be discarded.
      await page.getByRole('dialog').getByRole('button', { name: 'Stop training' }).click()
      await page
        .locator('.job-head')
        .getByText('Interrupted', { exact: true })
        .waitFor({ timeout: 30_000 })
      expect(ipc.calls).toEqual(
        expect.arrayContaining([
          'training-server:startTraining',
          'training-server:subscribeJobEvents',
          'training-server:stopTraining',
        ]),
      )
    })

    it('trains client0 to the end, shows the results, downloads a model file and predicts', async () => {
      screenshotOnFailure('ipc-training-done')
      await setParam('Epochs', '2')
      await page.getByRole('button', { name: 'Start training' }).click()
      await page.getByRole('button', { name: 'View results' }).waitFor({ timeout: TRAINING_MS })
      expect(await chartPoints('Loss')).toBe(4)
      await page.getByRole('button', { name: 'View results' }).click()
      await page.getByRole('heading', { name: 'Results', level: 1 }).waitFor()
      const accuracy = page.locator('.metric').filter({ hasText: 'Val. accuracy' }).locator('dd')
      expect(await accuracy.textContent()).toMatch(/^\d+(\.\d)?%$/)
      await page.getByRole('cell', { name: 'model.h5', exact: true }).waitFor()
      const matrix = page.getByRole('table', { name: /Confusion matrix/ })
      expect(await matrix.locator('tbody').getByRole('row').count()).toBe(3)

      const link = page.getByRole('link', { name: 'Download model.json' })
      expect(await link.getAttribute('href')).toMatch(/^training-server:\/\/models\/client0\//)
      // Chromium hands a link's own navigation to an unknown scheme to the OS, never to a route:
      // the link's URL goes to the scheme's handler here, as Electron's protocol module would.
      const download = await appSchemeResponse(core.jobs, (await link.getAttribute('href')) ?? '')
      expect(download.status).toBe(200)
      expect(download.headers.get('content-disposition')).toBe('attachment; filename="model.json"')
      expect(JSON.parse(await download.text())).toHaveProperty('modelTopology')

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
      expect(ipc.calls).toEqual(
        expect.arrayContaining(['training-server:listModelFiles', 'training-server:predict']),
      )
    })

    it('lists both runs and reopens the interrupted one with its curves', async () => {
      screenshotOnFailure('ipc-runs')
      await goTo(/^Runs$/)
      const rows = page.getByRole('table').getByRole('row')
      await until(async () => (await rows.count()) === 3, 10_000, 'two runs in the table')
      await rows
        .filter({ hasText: 'Interrupted' })
        .getByRole('button', { name: /^Open run/ })
        .click()
      await page.getByRole('heading', { name: 'Results', level: 1 }).waitFor()
      expect(await chartPoints('Loss')).toBeGreaterThanOrEqual(4)
      expect(ipc.calls).toEqual(
        expect.arrayContaining(['training-server:listJobs', 'training-server:getJob']),
      )
      expect(endpointRequests).toEqual([])
    })

    it('hears nothing on a job subscription after its unsubscribe, in the page or in main', async () => {
      const before = registration.subscriptionCount()
      const listening = await inPage<number>(`(async () => {
        const [job] = await window.trainingServer.listJobs('client0')
        window.__heard = []
        window.__stop = window.trainingServer.onJobEvent(job.id, (e) => window.__heard.push(e))
        while (window.__heard.length === 0) await new Promise((r) => setTimeout(r, 20))
        return window.__ipcListenerCount(${JSON.stringify(JOB_EVENT_CHANNEL)})
      })()`)
      expect(registration.subscriptionCount()).toBe(before + 1)
      const heard = (): Promise<number> => inPage<number>('window.__heard.length')
      await ipc.sender.flushed()
      const replayed = await heard()
      const probe = { type: 'log', level: 'info', message: 'probe', at: new Date(0).toISOString() }
      // The page loaded once, and the bridge numbers its subscriptions s1, s2, … as they are made.
      const newest = `s${ipc.calls.filter((c) => c === 'training-server:subscribeJobEvents').length}`
      ipc.sender.send(JOB_EVENT_CHANNEL, { subscriptionId: newest, event: probe })
      await ipc.sender.flushed()
      expect(await heard()).toBe(replayed + 1)

      await inPage('window.__stop()')
      await until(
        async () => registration.subscriptionCount() === before,
        5_000,
        'the forwarding to end',
      )
      expect(await inPage(`window.__ipcListenerCount(${JSON.stringify(JOB_EVENT_CHANNEL)})`)).toBe(
        listening - 1,
      )
      ipc.sender.send(JOB_EVENT_CHANNEL, { subscriptionId: newest, event: probe })
      await ipc.sender.flushed()
      expect(await heard()).toBe(replayed + 1)
    })

    it('refuses what structured clone refuses, and drops what it drops, in both directions', async () => {
      // A function in a request never leaves the page (ipcRenderer.invoke throws the same).
      const refused = await inPage<string>(`window.trainingServer
        .startTraining({ client: 'client0', trainType: 'classification', params: {}, onDone() {} })
        .then(() => 'sent', (e) => e.name)`)
      expect(refused).toBe('DataCloneError')
      // A class instance arrives as a plain object: its getters stay behind, so the adapter
      // finds no client.
      const dropped = await inPage<{ code: string; field: string }>(`(() => {
        class Request { get client() { return 'client0' } trainType = 'classification'; params = {} }
        return window.trainingServer.startTraining(new Request()).then(() => 'sent', (e) => e)
      })()`)
      expect(dropped).toMatchObject({ code: 'IPC_INVALID_ARGUMENT', field: 'client' })
      // Main → window: an event holding a function cannot be sent at all.
      expect(() =>
        ipc.sender.send(JOB_EVENT_CHANNEL, { subscriptionId: 's1', run: () => 1 }),
      ).toThrow(/could not be cloned/)
    })

    it('refuses every request from a page that is not the bundled UI', async () => {
      await page.goto(`${ELSEWHERE}index.html`)
      const answer = await inPage<{ code: string }>(
        `window.trainingServer.listClients().then(() => 'answered', (e) => e)`,
      )
      expect(answer).toMatchObject({ code: 'IPC_UNTRUSTED_SENDER' })
    })
  },
)
