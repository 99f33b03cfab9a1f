// Training-step speed of the engine on the reference Fashion-MNIST network (the one
// ../shared/reference/torch_fashion_mnist.py trains): Conv2D(32, 3×3, relu) - MaxPool(2) -
// Conv2D(64, 3×3, relu) - MaxPool(2) - Flatten - Dense(128, relu) - Dense(10, softmax), Adam 1e-3,
// batch 64, random 28×28×1 inputs. Prints one JSON line per backend/thread count with images/s,
// then one line per run with the per-kernel profile of a single step. `--architecture cnn` times
// the compact classifier the demo client trains instead (64 px RGB, batch 16, batch norm), and
// `--architecture centernet` the detector (96 px RGB, batch 8, its own loss and tfjs' Adam, as
// the detection task trains it).
//
//   npx tsx bench/engine-step.bench.ts [--steps N] [--threads 1,2] [--cpu] [--repeat 1] [--batch 64]
//     [--architecture reference|cnn|centernet]
//
// A second profile line (engine-step-cpu-profile) times the timed steps' kernels in process CPU
// time rather than wall time: on a shared machine wall time mostly measures the neighbours. Only
// outermost kernels count (composite kernels run others inside); `outside_kernels_ms` is the
// rest of the step (tape, gradient bookkeeping, the optimiser's JavaScript).
//
// Each measurement runs in its own process: the wasm thread pool is fixed once a backend starts.
// --repeat N runs each N times and then prints a median line per backend and thread count. No
// peer here: bench/fashion-mnist.bench.ts sets the same network beside PyTorch.

import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import * as tf from '@tensorflow/tfjs'
import { classifierTrainStep } from '../src-main/engine/tasks/classification/step'
import { buildClassifier } from '../src-main/engine/tasks/classification/model'
import { buildDetector, DETECTOR_STRIDE } from '../src-main/engine/tasks/detection/model'
import { detectionTargets, type TargetBox } from '../src-main/engine/tasks/detection/targets'
import { detectionLoss, targetTensors } from '../src-main/engine/tasks/detection/loss'
import { seededRandom } from '../src-shared/seeded-random'
import { conv2d } from '../src-main/engine/backend/conv-layer'
import { adam } from '../src-main/engine/backend/adam-update'
import { backendThreads, selectBackend } from '../src-main/engine/backend/select-backend'
import type { BackendName } from '../src-shared/train-params'
import { choiceOption, positiveIntegerOption } from './bench-options'
import { RunLog, type BenchLine } from './bench-summary'

const CLASSES = 10
const ARCHITECTURE = choiceOption('architecture', ['reference', 'cnn', 'centernet'], 'reference')
/** The demo client's job: 64 px images, batches of 16. */
const CNN_IMAGE_SIZE = 64
/** The detection demo's input side and batch. */
const DETECTOR_IMAGE_SIZE = 96
const DETECTOR_BATCH = 8
const NETWORK_NAMES = {
  reference: 'fashion-mnist-reference',
  cnn: 'cnn-64px',
  centernet: 'centernet-96px',
} as const

function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`)
  return at >= 0 ? process.argv[at + 1] : undefined
}

function referenceNetwork(): tf.LayersModel {
  const seed = 1
  const model = tf.sequential()
  model.add(
    conv2d({
      inputShape: [28, 28, 1],
      filters: 32,
      kernelSize: 3,
      activation: 'relu',
      kernelInitializer: tf.initializers.heNormal({ seed }),
    }),
  )
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }))
  model.add(
    conv2d({
      filters: 64,
      kernelSize: 3,
      activation: 'relu',
      kernelInitializer: tf.initializers.heNormal({ seed: seed + 1 }),
    }),
  )
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }))
  model.add(tf.layers.flatten())
  model.add(
    tf.layers.dense({
      units: 128,
      activation: 'relu',
      kernelInitializer: tf.initializers.heNormal({ seed: seed + 2 }),
    }),
  )
  model.add(
    tf.layers.dense({
      units: CLASSES,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 3 }),
    }),
  )
  return model
}

type TrainStep = () => void

/** A classifier's step on random images of `shape`, labels cycling through the classes. */
function classifierStep(
  model: tf.LayersModel,
  shape: [number, number, number, number],
  range: number,
): TrainStep {
  const step = classifierTrainStep(model, adam(1e-3), CLASSES)
  const images = tf.randomUniform(shape, 0, range, 'float32', 7) as tf.Tensor4D
  const batch = shape[0] as number
  const labels = tf.tensor1d(
    Array.from({ length: batch }, (_, i) => (i * 7) % CLASSES),
    'int32',
  )
  return () => step(images, labels)
}

/** The detector's step as the detection task takes it, on random images with 1-3 boxes each. */
function detectorStep(batch: number): TrainStep {
  const size = DETECTOR_IMAGE_SIZE
  const model = buildDetector({ imageSize: size, numClasses: CLASSES, seed: 1, sizePrior: 4 })
  const optimizer = tf.train.adam(1e-3)
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable)
  const random = seededRandom(3)
  const boxes: TargetBox[][] = Array.from({ length: batch }, () =>
    Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
      const w = 8 + random() * 24
      const h = 8 + random() * 24
      const box: TargetBox = {
        classIndex: Math.floor(random() * CLASSES),
        bbox: [random() * (size - w), random() * (size - h), w, h],
        iscrowd: 0,
      }
      return box
    }),
  )
  const targets = targetTensors(
    detectionTargets(boxes, { inputSize: size, stride: DETECTOR_STRIDE, classes: CLASSES }),
  )
  const images = tf.randomUniform([batch, size, size, 3], 0, 255, 'float32', 7)
  return () => {
    const total = optimizer.minimize(
      () => detectionLoss(model.apply(images, { training: true }) as tf.Tensor[], targets).total,
      true,
      variables,
    )
    total?.dataSync()
    total?.dispose()
  }
}

function trainStep(batch: number): TrainStep {
  if (ARCHITECTURE === 'centernet') return detectorStep(batch)
  if (ARCHITECTURE === 'cnn')
    return classifierStep(
      buildClassifier({ imageSize: CNN_IMAGE_SIZE, numClasses: CLASSES, seed: 1 }),
      [batch, CNN_IMAGE_SIZE, CNN_IMAGE_SIZE, 3],
      255,
    )
  return classifierStep(referenceNetwork(), [batch, 28, 28, 1], 1)
}

/** Process CPU milliseconds so far (all threads: the wasm pool's work counts too). */
function cpuMs(): number {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1000
}

/**
 * Wraps every kernel of `backend` to add its CPU time to `into` (outermost kernels only, so a
 * composite kernel's inner kernels are not counted twice). Returns the unwrapping function.
 */
function timeKernelsInCpu(backend: string, into: Map<string, number>): () => void {
  const shipped = tf.getKernelsForBackend(backend)
  let depth = 0
  for (const config of shipped) {
    const run = config.kernelFunc
    tf.unregisterKernel(config.kernelName, backend)
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        if (depth > 0) return run(args)
        depth++
        const started = cpuMs()
        try {
          return run(args)
        } finally {
          depth--
          into.set(config.kernelName, (into.get(config.kernelName) ?? 0) + cpuMs() - started)
        }
      },
    })
  }
  return () => {
    for (const config of shipped) {
      tf.unregisterKernel(config.kernelName, backend)
      tf.registerKernel(config)
    }
  }
}

/** One measurement in this process: `backend` with `threads`, `steps` timed steps. */
async function measure(backend: BackendName, threads: number, steps: number): Promise<void> {
  const defaultBatch = { reference: 64, cnn: 16, centernet: DETECTOR_BATCH }[ARCHITECTURE]
  const batch = positiveIntegerOption('batch', defaultBatch)
  const network = NETWORK_NAMES[ARCHITECTURE]
  await selectBackend(backend, { threads })
  tf.env().set('PROD', true)
  const step = trainStep(batch)
  const warmup = backend === 'cpu' ? 0 : 3
  for (let i = 0; i < warmup; i++) step()
  const started = performance.now()
  const cpuStarted = process.cpuUsage()
  for (let i = 0; i < steps; i++) step()
  const ms = performance.now() - started
  const cpu = process.cpuUsage(cpuStarted)
  console.log(
    JSON.stringify({
      bench: 'engine-step',
      network,
      backend,
      threads: backendThreads(),
      batch,
      steps,
      step_ms: Math.round((ms / steps) * 10) / 10,
      images_per_s: Math.round(((batch * steps) / ms) * 1000 * 10) / 10,
      cpu_per_wall: Math.round(((cpu.user + cpu.system) / 1000 / ms) * 100) / 100,
      // Less sensitive than wall time to other processes on a shared machine.
      cpu_ms_per_step: Math.round(((cpu.user + cpu.system) / 1000 / steps) * 10) / 10,
    }),
  )
  const cpuByKernel = new Map<string, number>()
  const unwrap = timeKernelsInCpu(tf.getBackend(), cpuByKernel)
  const cpuProfileStarted = cpuMs()
  for (let i = 0; i < steps; i++) step()
  const cpuStepMs = (cpuMs() - cpuProfileStarted) / steps
  unwrap()
  const cpuInKernels = [...cpuByKernel.values()].reduce((sum, ms) => sum + ms, 0) / steps
  console.log(
    JSON.stringify({
      bench: 'engine-step-cpu-profile',
      network,
      backend,
      threads: backendThreads(),
      steps,
      cpu_ms_per_step: Math.round(cpuStepMs * 10) / 10,
      outside_kernels_ms: Math.round((cpuStepMs - cpuInKernels) * 10) / 10,
      kernels: [...cpuByKernel]
        .sort((a, b) => b[1] - a[1])
        .filter(([, ms]) => ms / steps >= 0.05)
        .map(([name, ms]) => ({
          name,
          cpu_ms: Math.round((ms / steps) * 100) / 100,
          share: Math.round((ms / steps / cpuStepMs) * 1000) / 1000,
        })),
    }),
  )
  const profile = await tf.profile(() => {
    step()
  })
  const byKernel = new Map<string, number>()
  for (const kernel of profile.kernels)
    byKernel.set(kernel.name, (byKernel.get(kernel.name) ?? 0) + Number(kernel.kernelTimeMs))
  const total = [...byKernel.values()].reduce((sum, ms) => sum + ms, 0)
  console.log(
    JSON.stringify({
      bench: 'engine-step-profile',
      network,
      backend,
      kernel_count: profile.kernels.length,
      threads: backendThreads(),
      total_kernel_ms: Math.round(total * 10) / 10,
      kernels: [...byKernel]
        .sort((a, b) => b[1] - a[1])
        .map(([name, ms]) => ({
          name,
          ms: Math.round(ms * 100) / 100,
          share: Math.round((ms / total) * 1000) / 1000,
        })),
    }),
  )
}

async function main(): Promise<void> {
  const child = option('child')
  if (child !== undefined) {
    const [backend, threads, steps] = child.split(':')
    await measure(backend as BackendName, Number(threads), Number(steps))
    process.exit(0)
  }
  const steps = Number(option('steps') ?? 20)
  const threadCounts = (option('threads') ?? '1,2').split(',').map(Number)
  const runs = threadCounts.map((threads) => `wasm:${threads}:${steps}`)
  // The pure-JavaScript backend is two orders of magnitude slower: one step tells enough.
  if (process.argv.includes('--cpu')) runs.push('cpu:1:1')
  const repeat = positiveIntegerOption('repeat', 1)
  const self = fileURLToPath(import.meta.url)
  // Profiles are lists per kernel, not numbers: printed per run, left out of the medians.
  const log = new RunLog((line) => `${String(line.backend)}:${String(line.threads)}`)
  for (let round = 1; round <= repeat; round++)
    for (const run of runs) {
      const batchArgs = ['--architecture', ARCHITECTURE]
      if (process.argv.includes('--batch'))
        batchArgs.push('--batch', String(positiveIntegerOption('batch', 64)))
      const result = spawnSync(
        process.execPath,
        [...process.execArgv, self, ...batchArgs, '--child', run],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
          encoding: 'utf8',
        },
      )
      for (const text of result.stdout.split('\n')) {
        if (!text.startsWith('{')) continue
        const line = JSON.parse(text) as BenchLine
        if (line.bench === 'engine-step') log.print({ ...line, run: round })
        else console.log(text)
      }
      if (result.status !== 0)
        console.log(JSON.stringify({ bench: 'engine-step', run, failed: true }))
    }
  log.printMedians()
}

await main()
