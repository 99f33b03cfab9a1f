// Every benchmark, run as a user would (`npx tsx bench/<name>.bench.ts`) at a size that takes
// seconds: it must exit 0 and print only valid JSON lines on stdout, among them the lines and
// fields listed for it below. Keeps the benches working between the runs that measure. The
// Fashion-MNIST benches read a tiny synthetic set of the same idx files, so no dataset (and no
// PyTorch: they run with --no-peer) is needed.
//
// A new bench gets a row in SMOKE_RUNS; a test fails when a bench/*.bench.ts has none.

import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import pLimit from 'p-limit'
import { afterAll, describe, expect, it } from 'vitest'

interface SmokeRun {
  /** File name under bench/. */
  file: string
  args: string[]
  /** Lines that must appear: each `bench` value with at least these fields (not null). */
  expect: { bench: string; fields: string[] }[]
  /** Needs the synthetic Fashion-MNIST idx files (and its own TMPDIR for their conversions). */
  fashionMnist?: boolean
  /** Why this bench is not run here; say where its code is exercised instead. */
  skip?: string
}

const SMOKE_RUNS: SmokeRun[] = [
  {
    file: 'coco-eval.bench.ts',
    args: ['--images', '5', '--detections', '3', '--classes', '2', '--repeat', '2'],
    expect: [{ bench: 'coco-eval', fields: ['ms', 'cpuMs', 'ap', 'run'] }],
  },
  {
    file: 'coco-mask.bench.ts',
    args: ['--polygons', '200', '--repeat', '2'],
    expect: [{ bench: 'coco-mask', fields: ['case', 'ms', 'summary', 'runs'] }],
  },
  {
    file: 'engine-step.bench.ts',
    args: ['--steps', '1', '--threads', '1', '--batch', '8'],
    expect: [
      { bench: 'engine-step', fields: ['backend', 'threads', 'images_per_s', 'step_ms'] },
      { bench: 'engine-step-profile', fields: ['kernels', 'total_kernel_ms'] },
    ],
  },
  {
    file: 'engine-step.bench.ts',
    args: ['--architecture', 'cnn', '--steps', '1', '--threads', '1', '--batch', '2'],
    expect: [
      { bench: 'engine-step', fields: ['network', 'images_per_s', 'cpu_ms_per_step'] },
      { bench: 'engine-step-profile', fields: ['network', 'kernel_count', 'kernels'] },
    ],
  },
  {
    file: 'engine-step.bench.ts',
    args: ['--architecture', 'centernet', '--steps', '1', '--threads', '1', '--batch', '1'],
    expect: [
      { bench: 'engine-step', fields: ['network', 'images_per_s', 'cpu_ms_per_step'] },
      { bench: 'engine-step-cpu-profile', fields: ['network', 'outside_kernels_ms', 'kernels'] },
    ],
  },
  {
    file: 'xnnpack-limit.bench.ts',
    args: ['--threads', '1', '--matmul', '64', '--batch', '2', '--iterations', '1', '--steps', '1'],
    expect: [
      {
        bench: 'xnnpack-limit',
        fields: [
          'kind',
          'gflops',
          'mflop_per_image',
          'network_ceiling_gflops',
          'share_of_network_ceiling',
        ],
      },
    ],
  },
  {
    file: 'fashion-mnist.bench.ts',
    args: [
      ...['--train-images', '64', '--test-images', '32', '--epochs', '1'],
      ...['--threads', '1', '--no-peer'],
    ],
    expect: [
      { bench: 'fashion-mnist', fields: ['side', 'images_per_s', 'test_accuracy', 'train_s'] },
    ],
    fashionMnist: true,
  },
  {
    file: 'streaming-memory.bench.ts',
    args: ['--train-images', '64', '--threads', '1'],
    expect: [
      { bench: 'streaming-decode', fields: ['pass', 'images_per_s'] },
      { bench: 'streaming-train', fields: ['source', 'images_per_s'] },
      { bench: 'streaming-vs-memory', fields: ['images_per_s_ratio'] },
    ],
    fashionMnist: true,
  },
  {
    file: 'mirror-sync.bench.ts',
    args: ['--objects', '10', '--repeat', '1', '--no-peer'],
    expect: [{ bench: 'mirror', fields: ['tool', 'phase', 'ms'] }],
  },
  {
    file: 'store-key-fuzz.bench.ts',
    args: ['--keys', '5'],
    expect: [{ bench: 'store-key-fuzz', fields: ['entry', 'tried', 'refused'] }],
  },
  {
    file: 'decode-dataset.bench.ts',
    args: ['--images', '40', '--repeat', '1'],
    expect: [
      { bench: 'decode-dataset', fields: ['path', 'images_per_s'] },
      { bench: 'decode-dataset', fields: ['first_time_over_sharp_each'] },
    ],
    fashionMnist: true,
  },
  {
    file: 'demo-job.bench.ts',
    args: ['--repeat', '1'],
    expect: [{ bench: 'demo-job', fields: ['end_to_end_s', 'stages_s', 'state'] }],
  },
  {
    file: 'fleet.bench.ts',
    args: [
      ...['--clients', '2', '--jobs-per-client', '1', '--images', '4'],
      ...['--size', '32', '--epochs', '1'],
    ],
    expect: [
      {
        bench: 'fleet',
        fields: ['mode', 'jobsPerMinute', 'startLatencyP50Ms', 'startLatencyP99Ms'],
      },
      { bench: 'fleet', fields: ['twoWorkersOverOne', 'overheadPerJobMs'] },
    ],
  },
  {
    file: 'detection.bench.ts',
    args: [
      ...['--train-scenes', '8', '--test-scenes', '4', '--epochs', '1', '--image-size', '64'],
      ...['--classes', '3', '--threads', '1', '--no-peer'],
    ],
    expect: [{ bench: 'detection', fields: ['engine', 'images_per_s', 'map', 'map50'] }],
    fashionMnist: true,
  },
  {
    file: 'segmentation.bench.ts',
    args: [
      ...['--train-scenes', '8', '--test-scenes', '4', '--epochs', '1', '--image-size', '32'],
      ...['--classes', '3', '--threads', '1', '--no-peer'],
    ],
    expect: [
      {
        bench: 'segmentation',
        fields: ['engine', 'images_per_s', 'mask_map', 'mask_map50', 'box_map50', 'train_s'],
      },
    ],
    fashionMnist: true,
  },
  {
    file: 'load.bench.ts',
    args: ['--clients', '2', '--requests', '4', '--rate', '20', '--seconds', '1'],
    expect: [{ bench: 'progress-storm', fields: ['jobsStarted', 'ms'] }],
    skip:
      'trains several real jobs (a minute on a loaded machine); test/robustness/load.test.ts ' +
      'runs its storm and latency code',
  },
]

const PROJECT = join(import.meta.dirname, '..', '..')
const BENCH = join(PROJECT, 'bench')
/** Two at a time: most of a tiny run is start-up, and the machine is shared. */
const gate = pLimit(2)
const work = mkdtempSync(join(tmpdir(), 'bench-smoke-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** Idx files of the Fashion-MNIST layout with `count` random images per split. */
function writeSyntheticFashionMnist(dir: string, count: number): void {
  mkdirSync(dir, { recursive: true })
  for (const split of ['train', 't10k']) {
    const pixels = Buffer.alloc(16 + count * 28 * 28)
    for (let i = 16; i < pixels.length; i++) pixels[i] = (i * 2654435761) >>> 24
    const labels = Buffer.alloc(8 + count)
    for (let i = 0; i < count; i++) labels[8 + i] = i % 10
    writeFileSync(join(dir, `${split}-images-idx3-ubyte.gz`), gzipSync(pixels))
    writeFileSync(join(dir, `${split}-labels-idx1-ubyte.gz`), gzipSync(labels))
  }
}

const fashionDir = join(work, 'fashion-mnist')
const fashionTmp = join(work, 'tmp')
writeSyntheticFashionMnist(fashionDir, 64)
mkdirSync(fashionTmp)

function runBench(run: SmokeRun): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env }
  if (run.fashionMnist) {
    env.TRAINING_SERVER_FASHION_MNIST = fashionDir
    // The conversions are cached in the temp folder by split and count: these must never be
    // taken later for the real dataset's.
    env.TMPDIR = fashionTmp
  }
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', join(BENCH, run.file), ...run.args], {
      cwd: PROJECT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('the benches at tiny sizes', () => {
  it('has a row for every bench/*.bench.ts', () => {
    const benches = readdirSync(BENCH).filter((name) => name.endsWith('.bench.ts'))
    expect(SMOKE_RUNS.map((run) => run.file).sort()).toEqual(expect.arrayContaining(benches))
    expect(benches).toEqual(expect.arrayContaining(SMOKE_RUNS.map((run) => run.file)))
  })

  describe.concurrent.each(SMOKE_RUNS)('$file', (run) => {
    it.skipIf(run.skip !== undefined)(
      'exits 0 and prints the expected JSON lines',
      async () => {
        const { code, stdout, stderr } = await gate(() => runBench(run))
        expect(code, stderr.slice(-2000)).toBe(0)
        const lines = stdout.split('\n').filter((text) => text.trim() !== '')
        expect(lines.length).toBeGreaterThan(0)
        const parsed = lines.map((text) => {
          try {
            return JSON.parse(text) as Record<string, unknown>
          } catch {
            throw new Error(`${run.file} printed a line that is not JSON: ${text.slice(0, 200)}`)
          }
        })
        for (const { bench, fields } of run.expect) {
          const found = parsed.filter((line) => line.bench === bench)
          expect(found.length, `no ${bench} line`).toBeGreaterThan(0)
          for (const field of fields)
            expect(
              found.some((line) => line[field] !== undefined && line[field] !== null),
              `${bench} lines lack ${field}`,
            ).toBe(true)
        }
      },
      180_000,
    )
  })
})
