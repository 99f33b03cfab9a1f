import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { trainingWorkerEntry } from '../../src-main/jobs/run-training-worker'
import { workerEntry } from '../../src-main/platform/worker-entry'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'worker-entry-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const bootstrapOf = (url: URL) => decodeURIComponent(url.href)

describe('workerEntry from source', () => {
  it('has the training thread load h5wasm before tsx, so tsx never maps its 4 MB build', () => {
    const bootstrap = bootstrapOf(trainingWorkerEntry().url)
    const h5wasm = bootstrap.indexOf('h5wasm/dist/node/')
    expect(h5wasm).toBeGreaterThanOrEqual(0)
    expect(h5wasm).toBeLessThan(bootstrap.indexOf('register()'))
  })

  it('runs the preloads, then the TypeScript entry, in the thread', async () => {
    writeFileSync(
      join(dir, 'entry.mts'),
      "import { parentPort } from 'node:worker_threads'\n" +
        'const seen: string[] = (globalThis as { seen?: string[] }).seen ?? []\n' +
        "parentPort?.postMessage([...seen, 'entry'])\n",
    )
    const preload = `data:text/javascript,${encodeURIComponent("globalThis.seen = ['preload']")}`
    const entry = workerEntry(pathToFileURL(join(dir, 'caller.ts')).href, 'entry', './entry.mts', {
      preload: [preload],
    })
    const worker = new Worker(entry.url, { execArgv: entry.execArgv })
    try {
      const message = await new Promise((resolve, reject) => {
        worker.once('message', resolve)
        worker.once('error', reject)
      })
      expect(message).toEqual(['preload', 'entry'])
    } finally {
      await worker.terminate()
    }
  }, 60_000)
})
