// The training worker thread: receives one TrainingRequest as workerData, decodes the dataset's
// images, trains the classifier and writes the model files into outDir, reporting everything as
// TrainingMessages. It never throws past its edge: every failure becomes an 'error' message.

import { resolve, sep } from 'node:path'
import { platform, setPriority } from 'node:os'
import { parentPort, workerData } from 'node:worker_threads'
import * as tf from '@tensorflow/tfjs'
import pLimit from 'p-limit'
import { AppFailure, appError, toAppError } from '../../src-shared/errors'
import type { TrainingMetrics } from '../../src-shared/job-events'
import { RESIZE_MODE, decodeImageRgb } from '../dataset/decode-image'
import { writeJsonAtomically } from '../engine/atomic-file'
import { classificationReport } from '../engine/classification-report'
import { predictProbabilities } from '../engine/classifier-step'
import { saveKerasH5 } from '../engine/export-keras-h5'
import { saveTfjsModel } from '../engine/export-tfjs'
import { selectImages } from '../engine/image-batches'
import { kerasTrainingConfig } from '../engine/keras-h5-layout'
import { backendThreads, selectBackend } from '../engine/select-backend'
import { splitStratified, trainClassifier, type ImageSet } from '../engine/train-classifier'
import {
  MODEL_FILES,
  type LabelsFile,
  type MetricsFile,
  type TrainingMessage,
  type TrainingRequest,
} from './training-protocol'

/** More undecodable images than this share fails the run instead of training on the rest. */
const DEFAULT_MAX_BAD_IMAGE_SHARE = 0.2
/** Nice value of the training thread: below the thread that answers HTTP and IPC. */
const TRAINING_NICENESS = 10
/** Individual warnings for bad images; the rest are counted in one summary line. */
const MAX_BAD_IMAGE_WARNINGS = 10
const PROGRESS_INTERVAL_MS = 200
const DECODE_CONCURRENCY = 4
/** Decoded pixels kept in memory at most (one byte per channel); beyond it the run is refused. */
const MAX_PIXEL_BYTES = 2 ** 31

type Post = (message: TrainingMessage) => void

interface DecodedDataset {
  set: ImageSet
  /** The file of each decoded image, in set order. */
  fileNames: string[]
  skipped: MetricsFile['skippedImages']
}

/** True at most once per interval, and always when forced (the last step of a stage). */
function progressGate(): (force: boolean) => boolean {
  let last = 0
  return (force) => {
    const now = Date.now()
    if (!force && now - last < PROGRESS_INTERVAL_MS) return false
    last = now
    return true
  }
}

function imagePath(imagesDir: string, fileName: string): string {
  const path = resolve(imagesDir, fileName)
  if (!path.startsWith(imagesDir + sep))
    throw new AppFailure(
      appError('UNSAFE_FILE_NAME', `${fileName} points outside images/`, { file: fileName }),
    )
  return path
}

async function decodeDataset(request: TrainingRequest, post: Post): Promise<DecodedDataset> {
  const { items, params, classes } = request
  const size = params.imageSize
  const stride = size * size * 3
  if (items.length * stride > MAX_PIXEL_BYTES)
    throw new AppFailure(
      appError(
        'DATASET_TOO_LARGE',
        `${items.length} images of ${size}×${size} px need ${Math.ceil((items.length * stride) / 2 ** 20)} MiB ` +
          `decoded; use a smaller image_size`,
        { field: 'image_size', details: { images: items.length, imageSize: size } },
      ),
    )
  const imagesDir = resolve(request.datasetRoot, 'images')
  // Each image decodes straight into its slot; failures are squeezed out afterwards, so the
  // decoded set is never held twice.
  const pixels = new Uint8Array(items.length * stride)
  const decoded = new Array<boolean>(items.length).fill(false)
  const skipped: MetricsFile['skippedImages'] = []
  const gate = progressGate()
  const limit = pLimit(DECODE_CONCURRENCY)
  let done = 0
  await Promise.all(
    items.map((item, i) =>
      limit(async () => {
        try {
          if (!(item.label >= 0 && item.label < classes.length))
            throw new Error(`label ${item.label} is not one of the ${classes.length} classes`)
          pixels.set(await decodeImageRgb(imagePath(imagesDir, item.fileName), size), i * stride)
          decoded[i] = true
        } catch (error) {
          const message = toAppError(error).message
          skipped.push({ file: item.fileName, message })
          if (skipped.length <= MAX_BAD_IMAGE_WARNINGS)
            post({ type: 'log', level: 'warn', message: `skipped ${item.fileName}: ${message}` })
        }
        done++
        if (gate(done === items.length))
          post({ type: 'progress', stage: 'training', unit: 'images', done, total: items.length })
      }),
    ),
  )
  if (skipped.length > MAX_BAD_IMAGE_WARNINGS)
    post({ type: 'log', level: 'warn', message: `${skipped.length} images in all were skipped` })
  const maxShare = request.maxBadImageShare ?? DEFAULT_MAX_BAD_IMAGE_SHARE
  if (items.length === 0 || skipped.length > items.length * maxShare)
    throw new AppFailure(
      appError(
        'TOO_MANY_BAD_IMAGES',
        `${skipped.length} of ${items.length} images could not be decoded (at most ` +
          `${Math.round(maxShare * 100)}% may fail)`,
        {
          details: { skipped: skipped.length, total: items.length, examples: skipped.slice(0, 5) },
        },
      ),
    )
  const labels = new Int32Array(items.length - skipped.length)
  const fileNames: string[] = []
  let count = 0
  items.forEach((item, i) => {
    if (!decoded[i]) return
    if (count !== i) pixels.copyWithin(count * stride, i * stride, (i + 1) * stride)
    labels[count++] = item.label
    fileNames.push(item.fileName)
  })
  for (const info of classes)
    if (!labels.includes(info.index))
      post({ type: 'log', level: 'warn', message: `class "${info.name}" has no usable images` })
  return {
    set: { pixels: pixels.subarray(0, count * stride), labels, count, size },
    fileNames,
    skipped,
  }
}

/** The training and validation parts; the whole decoded set is not kept once they exist. */
function splitDecoded(decoded: DecodedDataset, params: TrainingRequest['params']) {
  const { set, fileNames, skipped } = decoded
  const split = splitStratified(set.labels, params.valSplit, params.seed)
  return {
    train: selectImages(set, split.train),
    val: selectImages(set, split.val),
    valFileNames: split.val.map((index) => fileNames[index] ?? ''),
    skipped,
  }
}

/**
 * Training saturates every core; at a lower priority it still gets them all when nothing else
 * runs, but status requests and the UI are answered first. Only on Linux does this reach just the
 * calling thread (and the compute threads it starts later); elsewhere it would slow the whole app.
 */
function yieldCpuToServer(): void {
  if (platform() !== 'linux') return
  try {
    setPriority(0, TRAINING_NICENESS)
  } catch {
    // Not permitted in some sandboxes: train at normal priority.
  }
}

async function run(request: TrainingRequest, post: Post): Promise<void> {
  yieldCpuToServer()
  const backend = await selectBackend(
    request.backend,
    request.threads === undefined ? {} : { threads: request.threads },
  )
  // Keeps tfjs' console notices (for example the "install tfjs-node" hint) out of job logs.
  tf.env().set('PROD', true)
  post({ type: 'backend', backend })
  const threads = backendThreads()
  post({ type: 'log', level: 'info', message: `${backend} backend, ${threads} thread(s)` })

  const { params, classes } = request
  const { train, val, valFileNames, skipped } = splitDecoded(
    await decodeDataset(request, post),
    params,
  )
  const gate = progressGate()
  const { model, epochs, bestEpoch, stoppedEarly } = await trainClassifier({
    train,
    val,
    numClasses: classes.length,
    params,
    callbacks: {
      onEpoch: (metrics) => post({ type: 'epoch', metrics }),
      onBatch: ({ epoch, batch, batches }) => {
        const done = (epoch - 1) * batches + batch
        const total = params.epochs * batches
        if (gate(done === total))
          post({ type: 'progress', stage: 'training', unit: 'batches', done, total, epoch })
      },
      onLog: (message) => post({ type: 'log', level: 'info', message }),
    },
  })

  try {
    const kept = epochs[bestEpoch - 1] ?? epochs[epochs.length - 1]
    const classNames = classes.map((info) => info.name)
    const report = classificationReport({
      labels: val.labels,
      probabilities: predictProbabilities(model, val, params.batchSize),
      classNames,
      fileNames: valFileNames,
    })
    const wrong =
      val.count - report.confusionMatrix.counts.reduce((sum, row, c) => sum + (row[c] ?? 0), 0)
    const weakest = [...report.perClass].sort((a, b) => a.f1 - b.f1)[0]
    if (weakest !== undefined)
      post({
        type: 'log',
        level: 'info',
        message:
          `Validation with the weights of epoch ${bestEpoch}: ${wrong} of ${val.count} images ` +
          `wrong; weakest class "${weakest.name}" (F1 ${weakest.f1.toFixed(2)})`,
      })
    const metrics: TrainingMetrics = {
      backend,
      epochs,
      finalValAccuracy: kept?.valAccuracy ?? NaN,
      finalValLoss: kept?.valLoss ?? NaN,
      trainImages: train.count,
      valImages: val.count,
      classes: classNames,
      ...report,
      bestEpoch,
      stoppedEarly,
    }
    const exporting = (done: number) =>
      post({ type: 'progress', stage: 'exporting', unit: 'files', done, total: 5 })
    exporting(0)
    const out = request.outDir
    await saveKerasH5(
      model,
      resolve(out, MODEL_FILES.keras),
      kerasTrainingConfig(params.learningRate),
    )
    exporting(1)
    const tfjsFiles = await saveTfjsModel(model, out)
    exporting(3)
    const labels: LabelsFile = {
      classes,
      inputSize: [params.imageSize, params.imageSize, 3],
      inputRange: [0, 255],
      channels: 'RGB',
      resizeMode: RESIZE_MODE,
    }
    await writeJsonAtomically(resolve(out, MODEL_FILES.labels), labels)
    exporting(4)
    const metricsFile: MetricsFile = { ...metrics, params, threads, skippedImages: skipped }
    await writeJsonAtomically(resolve(out, MODEL_FILES.metrics), metricsFile)
    exporting(5)
    post({
      type: 'done',
      metrics,
      files: [MODEL_FILES.keras, ...tfjsFiles, MODEL_FILES.labels, MODEL_FILES.metrics],
    })
  } finally {
    model.dispose()
  }
}

if (parentPort !== null) {
  const port = parentPort
  const post: Post = (message) => port.postMessage(message)
  run(workerData as TrainingRequest, post).catch((error: unknown) =>
    post({ type: 'error', error: toAppError(error, 'TRAINING_FAILED') }),
  )
}
