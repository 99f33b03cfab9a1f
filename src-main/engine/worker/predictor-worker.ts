// The predictor worker thread: keeps the last few stored models loaded, decodes each image the way
// training did (decode-image.ts, the model's input size from labels.json) and answers with the
// model task's decoder. Requests run one at a time, so a model is never loaded twice at once.

import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { parentPort, workerData } from 'node:worker_threads'
import * as tf from '@tensorflow/tfjs'
import { AppFailure, appError, toAppError } from '../../../src-shared/errors'
import type { Prediction } from '../../../src-shared/predictions'
import { TRAIN_TYPES, type TrainType } from '../../../src-shared/train-params'
import { decodeImageBufferRgb } from '../../dataset/decode-image'
import { IMAGE_FORMATS, openImage } from '../../dataset/image-input'
import { loadLayersModelFile } from '../backbone/backbone-files'
import { imageBatch } from '../data/image-batches'
import {
  predictionDecoderFor,
  type PixelSize,
  type PredictionDecoder,
} from '../tasks/prediction-decoder'
import { selectBackend } from '../backend/select-backend'
import type { PredictorMessage, PredictorSetup, PredictRequest } from './predictor-protocol'
import { MODEL_FILES, type LabelsFile } from './training-protocol'

/** Models kept loaded, one per client (its newest): enough for a few clients tried in turn. */
const LOADED_MODELS = 3

interface LoadedModel {
  model: tf.LayersModel
  labels: LabelsFile
  task: TrainType
  decoder: PredictionDecoder
}

/** Oldest use first (a Map keeps insertion order; a hit moves to the end). */
const loaded = new Map<string, LoadedModel>()

function unreadableModel(reason: string): AppFailure {
  return new AppFailure(appError('MODEL_UNREADABLE', `the stored model ${reason}`))
}

async function readLabels(dir: string): Promise<LabelsFile> {
  let labels: Partial<LabelsFile>
  try {
    labels = JSON.parse(await readFile(join(dir, MODEL_FILES.labels), 'utf8')) as LabelsFile
  } catch {
    throw unreadableModel('has no readable labels.json')
  }
  const size = labels.inputSize?.[0]
  if (!Array.isArray(labels.classes) || !Number.isInteger(size))
    throw unreadableModel('has a labels.json without classes or input size')
  return labels as LabelsFile
}

/** Models stored before labels.json named a task are classifiers: nothing else was trained. */
function taskOf(labels: LabelsFile): TrainType {
  const task = labels.task ?? 'classification'
  if (!(TRAIN_TYPES as readonly string[]).includes(task))
    throw unreadableModel(`names an unknown task (${String(task).slice(0, 40)})`)
  return task
}

async function modelAt(dir: string): Promise<{ entry: LoadedModel; loadedModel: boolean }> {
  const hit = loaded.get(dir)
  if (hit) {
    loaded.delete(dir)
    loaded.set(dir, hit)
    return { entry: hit, loadedModel: false }
  }
  const labels = await readLabels(dir)
  const task = taskOf(labels)
  const decoder = predictionDecoderFor(task)
  let model: tf.LayersModel
  try {
    model = (await loadLayersModelFile(join(dir, MODEL_FILES.tfjsModel))).model
  } catch {
    // The loader's message names the cache folder: a local path stays out of the answer.
    throw unreadableModel('cannot be loaded as a TF.js layers model')
  }
  const entry = { model, labels, task, decoder }
  // A client's older version (its sibling folder) is never asked for again: free it now.
  for (const [key, old] of loaded)
    if (dirname(key) === dirname(dir)) {
      loaded.delete(key)
      old.model.dispose()
    }
  loaded.set(dir, entry)
  for (const [key, old] of loaded) {
    if (loaded.size <= LOADED_MODELS) break
    loaded.delete(key)
    old.model.dispose()
  }
  return { entry, loadedModel: true }
}

/**
 * Refuses what is not a raster image before decoding (sharp would also render SVG or PDF); gives
 * the image's size as it is shown, EXIF orientation applied, as the decoded pixels are.
 */
async function checkRaster(image: Uint8Array): Promise<PixelSize> {
  const meta = await openImage(image)
    .metadata()
    .catch(() => undefined)
  const format = meta?.format as string | undefined
  if (meta === undefined || format === undefined || !IMAGE_FORMATS.has(format))
    throw new AppFailure(
      appError('IMAGE_UNREADABLE', 'the image cannot be decoded: not a supported raster image'),
    )
  const { width = 0, height = 0 } = meta
  // Orientations 5–8 turn the picture a quarter: its shown width is the stored height.
  const turned = (meta.orientation ?? 1) >= 5
  return turned ? { width: height, height: width } : { width, height }
}

async function predict(request: PredictRequest): Promise<PredictorMessage> {
  const { entry, loadedModel } = await modelAt(request.modelDir)
  const image = await checkRaster(request.image)
  const size = entry.labels.inputSize[0]
  const pixels = await decodeImageBufferRgb(request.image, size, 'the image')
  const input = imageBatch({ pixels, labels: new Int32Array(1), count: 1, size }, [0])
  const top = request.top ?? entry.decoder.defaultTop
  let predictions: Prediction[]
  try {
    const output = entry.model.predict(input)
    const tensors = Array.isArray(output) ? output : [output]
    try {
      predictions = entry.decoder.decode(
        { tensors, input: { width: size, height: size }, image },
        entry.labels.classes,
        top,
      )
    } finally {
      tf.dispose(tensors)
    }
  } finally {
    input.dispose()
  }
  return { type: 'predicted', id: request.id, task: entry.task, predictions, loadedModel }
}

if (parentPort !== null) {
  const port = parentPort
  const setup = workerData as PredictorSetup
  // Predictions are small next to training: one wasm thread leaves the cores to a running job.
  // Keeps tfjs' console notices (the "install tfjs-node" hint) out of the server's output.
  tf.env().set('PROD', true)
  const ready = selectBackend(setup.backend, { threads: 1 })
  let queue: Promise<unknown> = Promise.resolve()
  port.on('message', (request: PredictRequest) => {
    queue = queue.then(async () => {
      let answer: PredictorMessage
      try {
        await ready
        answer = await predict(request)
      } catch (error) {
        answer = { type: 'failed', id: request.id, error: toAppError(error, 'PREDICT_FAILED') }
      }
      port.postMessage(answer)
    })
  })
}
