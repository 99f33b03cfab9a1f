// What XNNPACK through tfjs-backend-wasm reaches on this CPU, and how much of it training gets:
// GFLOP/s of an N×N matmul and of every product one training step of the reference network runs
// (its 3×3 convolutions forward, towards their input and towards their weights, and its dense
// layers), on each thread count; then the images/s of whole training steps, their GFLOP/s (the
// step's FLOPs read from the layer shapes) and their share of the ceiling. One JSON line each.
//
//   npx tsx bench/xnnpack-limit.bench.ts [--threads 1,2] [--matmul 1024] [--batch 64]
//       [--iterations 10] [--steps 10] [--repeat 1]
//
// The network's ceiling is its FLOPs over the time the measured kernels alone would take: what a
// step would reach if nothing but these products ran. Pooling, activations, the loss, the
// optimiser and per-op overhead are the gap between it and training. Each thread count runs in
// its own process (the wasm thread pool is fixed once a backend starts); --repeat N gives medians.
// No peer: bench/fashion-mnist.bench.ts sets the same network beside PyTorch.

import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import * as tf from '@tensorflow/tfjs'
import { buildReferenceNetwork } from '../src-main/engine/tasks/classification/model'
import { classifierTrainStep } from '../src-main/engine/tasks/classification/step'
import { backendThreads, selectBackend } from '../src-main/engine/backend/select-backend'
import { positiveIntegerOption, textOption } from './bench-options'
import { RunLog, median, rounded, type BenchLine } from './bench-summary'
import { stepKernels, flopsPerImage, type LayerKernel } from './network-flops'

const SIDE = 28
const CLASSES = 10

/** Median milliseconds of `run` over `iterations` calls, after one untimed warm-up. */
function timeKernel(run: () => tf.Tensor, iterations: number): number {
  run().dispose()
  const times: number[] = []
  for (let i = 0; i < iterations; i++) {
    const started = performance.now()
    const out = run()
    // wasm kernels run synchronously; reading one value makes sure of it on any backend.
    out.dataSync().at(0)
    times.push(performance.now() - started)
    out.dispose()
  }
  return median(times)
}

/** A closure running `kernel` on random tensors it owns, and the tensors to dispose after. */
function kernelRunner(kernel: LayerKernel): { run: () => tf.Tensor; tensors: tf.Tensor[] } {
  const random = (shape: number[]) => tf.randomUniform(shape, -1, 1, 'float32', 1)
  if (kernel.op === 'matmul') {
    const [n, features] = kernel.input
    const x = random([n, features]) as tf.Tensor2D
    const w = random([features, kernel.units]) as tf.Tensor2D
    const dy = random([n, kernel.units]) as tf.Tensor2D
    const run = {
      forward: () => tf.matMul(x, w),
      'backprop-input': () => tf.matMul(dy, w, false, true),
      'backprop-filter': () => tf.matMul(x, dy, true, false),
    }[kernel.role]
    return { run, tensors: [x, w, dy] }
  }
  const x = random(kernel.input) as tf.Tensor4D
  const filter = random(kernel.filter) as tf.Tensor4D
  const dy = random(kernel.output) as tf.Tensor4D
  const run = {
    forward: () => tf.conv2d(x, filter, 1, 'valid'),
    // The kernels a training step runs, by name, so the project's own wasm gradients are measured.
    'backprop-input': () =>
      tf
        .engine()
        .runKernel(
          'Conv2DBackpropInput',
          { dy, filter },
          { strides: 1, pad: 'valid', dataFormat: 'NHWC', inputShape: kernel.input },
        ) as tf.Tensor,
    'backprop-filter': () =>
      tf
        .engine()
        .runKernel(
          'Conv2DBackpropFilter',
          { x, dy },
          { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: kernel.filter },
        ) as tf.Tensor,
  }[kernel.role]
  return { run, tensors: [x, filter, dy] }
}

const gflops = (flops: number, ms: number) => rounded(flops / ms / 1e6, 2)

/** Every measurement at one thread count, in this process. */
async function measure(threads: number): Promise<void> {
  const size = positiveIntegerOption('matmul', 1024)
  const batch = positiveIntegerOption('batch', 64)
  const iterations = positiveIntegerOption('iterations', 10)
  const steps = positiveIntegerOption('steps', 10)
  await selectBackend('wasm', { threads })
  tf.env().set('PROD', true)
  const common = { backend: tf.getBackend(), threads: backendThreads() }

  const a = tf.randomUniform([size, size], -1, 1, 'float32', 1) as tf.Tensor2D
  const b = tf.randomUniform([size, size], -1, 1, 'float32', 2) as tf.Tensor2D
  const matmulMs = timeKernel(() => tf.matMul(a, b), iterations)
  tf.dispose([a, b])
  const matmulGflops = gflops(2 * size ** 3, matmulMs)
  const print = (line: BenchLine) =>
    console.log(JSON.stringify({ bench: 'xnnpack-limit', ...line }))
  print({
    kind: 'matmul',
    ...common,
    shape: [size, size, size],
    ms: rounded(matmulMs, 3),
    gflops: matmulGflops,
  })

  const model = buildReferenceNetwork({ imageSize: SIDE, numClasses: CLASSES, seed: 1 })
  let kernelMs = 0
  let kernelFlops = 0
  for (const kernel of stepKernels(model, batch)) {
    const { run, tensors } = kernelRunner(kernel)
    const ms = timeKernel(run, iterations)
    tf.dispose(tensors)
    kernelMs += ms
    kernelFlops += kernel.flops
    const shape =
      kernel.op === 'conv2d'
        ? { input: kernel.input, filter: kernel.filter }
        : { input: kernel.input, units: kernel.units }
    print({
      kind: 'kernel',
      ...common,
      layer: kernel.layer,
      op: kernel.op,
      role: kernel.role,
      ...shape,
      mflop: rounded(kernel.flops / 1e6, 2),
      ms: rounded(ms, 3),
      gflops: gflops(kernel.flops, ms),
    })
  }
  const ceiling = gflops(kernelFlops, kernelMs)

  const optimizer = tf.train.adam(1e-3)
  const step = classifierTrainStep(model, optimizer, CLASSES)
  const images = tf.randomUniform([batch, SIDE, SIDE, 3], 0, 255, 'float32', 7) as tf.Tensor4D
  const labels = tf.tensor1d(
    Array.from({ length: batch }, (_, i) => (i * 7) % CLASSES),
    'int32',
  )
  step(images, labels)
  const started = performance.now()
  for (let i = 0; i < steps; i++) step(images, labels)
  const stepMs = (performance.now() - started) / steps
  const perImage = flopsPerImage(model)
  tf.dispose([images, labels])
  model.dispose()
  optimizer.dispose()
  const trainingGflops = gflops(perImage * batch, stepMs)
  print({
    kind: 'training',
    ...common,
    network: 'reference',
    batch,
    steps,
    mflop_per_image: rounded(perImage / 1e6, 2),
    step_ms: rounded(stepMs, 2),
    images_per_s: rounded((batch / stepMs) * 1000, 1),
    gflops: trainingGflops,
    matmul_gflops: matmulGflops,
    network_ceiling_gflops: ceiling,
    share_of_network_ceiling: rounded(trainingGflops / ceiling, 3),
    share_of_matmul: rounded(trainingGflops / matmulGflops, 3),
    kernels_share_of_step: rounded(kernelMs / stepMs, 3),
  })
}

async function main(): Promise<void> {
  const child = textOption('child', '')
  if (child !== '') {
    await measure(Number(child))
    return
  }
  const threadCounts = textOption('threads', '1,2').split(',').map(Number)
  if (threadCounts.some((n) => !Number.isInteger(n) || n < 1))
    throw new Error('--threads must be a list of positive integers such as 1,2')
  const repeat = positiveIntegerOption('repeat', 1)
  const self = fileURLToPath(import.meta.url)
  const passOn = process.argv
    .slice(2)
    .filter((_, i, all) => all[i] !== '--threads' && all[i - 1] !== '--threads')
  const log = new RunLog((line) =>
    [line.kind, line.threads, line.layer, line.role].map(String).join(':'),
  )
  const training: BenchLine[] = []
  for (let run = 1; run <= repeat; run++)
    for (const threads of threadCounts) {
      const result = spawnSync(
        process.execPath,
        [...process.execArgv, self, ...passOn, '--child', String(threads)],
        { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' },
      )
      if (result.status !== 0) throw new Error(`the ${threads}-thread measurement failed`)
      for (const text of result.stdout.split('\n')) {
        if (!text.startsWith('{')) continue
        const line: BenchLine = { ...(JSON.parse(text) as BenchLine), run }
        log.print(line)
        if (line.kind === 'training') training.push(line)
      }
    }
  log.printMedians()
  // Scaling: what the extra threads bought, on the medians of each count.
  const rateAt = (threads: number) =>
    median(
      training.filter((line) => line.threads === threads).map((line) => Number(line.images_per_s)),
    )
  const [fewest, most] = [Math.min(...threadCounts), Math.max(...threadCounts)]
  if (most > fewest)
    console.log(
      JSON.stringify({
        bench: 'xnnpack-limit',
        kind: 'scaling',
        threads: [fewest, most],
        images_per_s_ratio: rounded(rateAt(most) / rateAt(fewest), 3),
      }),
    )
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
