// The demo client's whole job as a user starts it: a fresh home folder (the demo clients seeded
// into the embedded store), the endpoint on a free port, then one GET /progress with the default
// parameters, read to its result line. Prints one JSON line per run: the wall time from the
// request to the stored model, the job's own stage timings, and where the training stage's time
// went (the worker's start and backend, decoding, the epochs, evaluation and model files).
//
//   npx tsx bench/demo-job.bench.ts [--client client1] [--repeat 1]

import { request } from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { JobResult } from '../src-shared/job-events'
import { classificationMetrics } from '../src-shared/tasks/task-metrics'
import { loadSettings } from '../src-main/config/settings'
import { startCore } from '../src-main/core'
import { startHttpServer } from '../src-main/http/server'
import { positiveIntegerOption, textOption } from './bench-options'

interface TimedLine {
  /** Milliseconds since the request was sent when the line arrived. */
  ms: number
  event: Record<string, unknown>
}

const seconds = (ms: number | undefined) =>
  ms === undefined ? undefined : Number((ms / 1000).toFixed(2))

function progressLines(port: number, path: string): Promise<TimedLine[]> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const lines: TimedLine[] = []
    let rest = ''
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        const ms = performance.now() - started
        const parts = (rest + chunk).split('\n')
        rest = parts.pop() ?? ''
        for (const part of parts)
          if (part.trim() !== '')
            lines.push({ ms, event: JSON.parse(part) as Record<string, unknown> })
      })
      res.on('end', () => resolve(lines))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

/** Where the training stage's time went, from the events' own clock. */
function trainingBreakdown(lines: TimedLine[]): Record<string, number | undefined> {
  const at = (line: TimedLine | undefined) =>
    line === undefined ? undefined : Date.parse(String(line.event.at))
  const find = (test: (event: Record<string, unknown>) => boolean) =>
    lines.find(({ event }) => test(event))
  const stage = (state: string) => find((e) => e.type === 'stage' && e.state === state)
  const log = (pattern: RegExp) => find((e) => e.type === 'log' && pattern.test(String(e.message)))
  const epochs = lines.filter(({ event }) => event.type === 'epoch')
  const training = at(stage('training'))
  const backend = at(log(/backend, \d+ thread/))
  const decoded = at(log(/images from the pixel cache/))
  const lastEpoch = at(epochs.at(-1))
  const exporting = at(stage('exporting'))
  const span = (from: number | undefined, to: number | undefined) =>
    from === undefined || to === undefined ? undefined : seconds(to - from)
  return {
    worker_and_backend_s: span(training, backend),
    decode_s: span(backend, decoded),
    epochs_s: span(decoded, lastEpoch),
    evaluate_and_files_s: span(lastEpoch, exporting),
  }
}

async function runOnce(client: string, run: number): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), 'demo-job-bench-'))
  try {
    const settings = loadSettings({
      TRAINING_SERVER_HOME: home,
      TRAINING_SERVER_PORT: '0',
      TRAINING_SERVER_S3_PORT: '0',
    })
    const seeding = performance.now()
    const core = await startCore(settings, { seedDemo: true })
    const startS = seconds(performance.now() - seeding)
    try {
      const http = await startHttpServer(core, { port: 0 })
      try {
        const lines = await progressLines(
          http.port,
          `/progress?train_type=classification&bucket_name=${client}`,
        )
        const result = lines.at(-1)?.event as unknown as JobResult | undefined
        const epochs = result?.metrics?.epochs ?? []
        console.log(
          JSON.stringify({
            bench: 'demo-job',
            client,
            run,
            state: result?.state,
            end_to_end_s: seconds(lines.at(-1)?.ms),
            stages_s: Object.fromEntries(
              Object.entries(result?.timings ?? {}).map(([name, ms]) => [name, seconds(ms)]),
            ),
            training_s: trainingBreakdown(lines),
            epochs: epochs.length,
            val_accuracy: classificationMetrics(result?.metrics)?.finalValAccuracy,
            images_per_s: epochs.map((epoch) => Math.round(epoch.imagesPerSec)),
            core_start_and_seed_s: startS,
          }),
        )
      } finally {
        await http.close()
      }
    } finally {
      await core.close()
    }
  } finally {
    await rm(home, { recursive: true, force: true })
  }
}

async function main(): Promise<void> {
  const client = textOption('client', 'client1')
  const repeat = positiveIntegerOption('repeat', 1)
  for (let run = 1; run <= repeat; run++) await runOnce(client, run)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
