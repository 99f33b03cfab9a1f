// What the detection and segmentation runs do alike around their training: before it, the input
// side (a multiple of 16), the memory check, decoding at that side, each row's own frame and the
// seeded split; after it, the model files: model.h5 with an optimizer-only training config (their
// losses are no stock Keras loss), the TF.js files, labels.json and metrics.json, with export
// progress. Each task keeps what differs: its objects per row, its model, evaluation and labels.

import { resolve } from 'node:path'
import type * as tf from '@tensorflow/tfjs'
import { appError, AppFailure } from '../../../src-shared/errors'
import { seededRandom, shuffleInPlace } from '../../../src-shared/seeded-random'
import type { BackendName, TrainParams } from '../../../src-shared/train-params'
import type { ClassificationItem } from '../../../src-shared/validate-annotations'
import { readImageHeader } from '../../dataset/image-input'
import { writeJsonAtomically } from '../../platform/atomic-file'
import { saveKerasH5 } from '../export/keras-h5'
import { kerasDetectionTrainingConfig } from '../export/keras-h5-layout'
import { saveTfjsModel } from '../export/tfjs'
import { decodeDataset, type DecodedDataset } from './decode-dataset'
import type { EngineContext } from './engine-failure'
import { checkTrainingMemory, trainingMemoryLimit } from './training-memory'
import {
  MODEL_FILES,
  type DetectionTrainingMessage,
  type TrainingMessage,
  type TrainingRequest,
} from './training-protocol'

type Post = (message: DetectionTrainingMessage) => void
export type Frame = { width: number; height: number }

/** What the worker knows once its backend runs. */
export interface TrainingEnvironment {
  backend: BackendName
  threads: number
  /** Filled in as the run learns what an error message should name. */
  context: EngineContext
}

/** Each item's frame (the one its boxes are in): given on the item, else read from the file. */
export async function frameOf(
  item: ClassificationItem,
  datasetRoot: string,
): Promise<{ width: number; height: number } | undefined> {
  if (item.width !== undefined && item.height !== undefined)
    return { width: item.width, height: item.height }
  try {
    const header = await readImageHeader(resolve(datasetRoot, 'images', item.fileName))
    const { width, height } = header
    if (width === undefined || height === undefined) return undefined
    // EXIF-rotated files are shown (and decoded) turned, so their frame is turned too.
    return (header.orientation ?? 1) >= 5 ? { width: height, height: width } : { width, height }
  } catch {
    return undefined
  }
}

/** Each row's frame (the size its boxes are in); a row whose size cannot be read fails the run. */
export async function measuredFrames(
  rows: readonly ClassificationItem[],
  datasetRoot: string,
): Promise<{ width: number; height: number }[]> {
  const frames = await Promise.all(rows.map((item) => frameOf(item, datasetRoot)))
  const missing = frames.findIndex((frame) => frame === undefined)
  if (missing >= 0)
    throw new AppFailure(
      appError('IMAGE_UNREADABLE', `the size of ${rows[missing]?.fileName} cannot be read`, {
        file: rows[missing]?.fileName ?? '',
      }),
    )
  return frames as { width: number; height: number }[]
}

/** A seeded split of row indices: validation first `valSplit` share of a shuffle, at least one each. */
export function splitShuffled(
  count: number,
  valSplit: number,
  seed: number,
): { train: number[]; val: number[] } {
  const order = shuffleInPlace(
    Array.from({ length: count }, (_, i) => i),
    seededRandom(seed),
  )
  const valCount = Math.min(count - 1, Math.max(1, Math.round(count * valSplit)))
  return {
    val: order.slice(0, valCount).sort((a, b) => a - b),
    train: order.slice(valCount).sort((a, b) => a - b),
  }
}

/** A run's decoded images, in row order, with what each row's objects are read against. */
export interface ObjectRows {
  /** The request's parameters at the input side actually trained. */
  params: TrainParams
  /** Category id → class index. */
  classOf: Map<number, number>
  /** The caller closes it. */
  decoded: DecodedDataset
  rows: ClassificationItem[]
  /** Each row's own size: the pixels its boxes and masks are in. */
  frames: Frame[]
  split: { train: number[]; val: number[] }
}

/**
 * Checks memory, decodes the request's images at `side` and reads each row's frame. `adjusted`
 * names the model in the log line that says the side moved to a multiple of 16; absent, the side
 * was fixed elsewhere (a backbone's input) and nothing is said.
 */
export async function objectRows(
  request: TrainingRequest,
  post: Post,
  env: TrainingEnvironment,
  side: number,
  adjusted?: string,
): Promise<ObjectRows> {
  const params: TrainParams = { ...request.params, imageSize: side }
  env.context.inputSide = side
  if (adjusted !== undefined && side !== request.params.imageSize)
    post({
      type: 'log',
      level: 'info',
      message: `Input side ${side}px: the ${adjusted} takes multiples of 16`,
    })
  if (request.memoryLimitBytes !== undefined)
    checkTrainingMemory(
      params,
      trainingMemoryLimit(request.memoryLimitBytes, env.backend),
      params.imageSize,
    )
  // Negatives (label −1) are images like any other to the decoder.
  const decodable = request.items.map((item) => ({ ...item, label: Math.max(0, item.label) }))
  // Decoding posts only progress and log messages, which both streams share.
  const decoded = await decodeDataset(
    { ...request, items: decodable },
    post as (m: TrainingMessage) => void,
    { size: side },
  )
  try {
    const byFile = new Map(request.items.map((item) => [item.fileName, item]))
    const rows = decoded.fileNames.map((fileName) => byFile.get(fileName) as ClassificationItem)
    return {
      params,
      classOf: new Map(request.classes.map((info) => [info.categoryId, info.index])),
      decoded,
      rows,
      frames: await measuredFrames(rows, request.datasetRoot),
      split: splitShuffled(rows.length, params.valSplit, params.seed),
    }
  } catch (error) {
    decoded.close()
    throw error
  }
}

/** What a run writes beside the model: labels.json, and metrics.json's extra run facts. */
export interface ObjectExport {
  model: tf.LayersModel
  labels: object
  metrics: Extract<DetectionTrainingMessage, { type: 'done' }>['metrics']
  /** metrics.json: the metrics with the run's backend, params, threads and skipped images. */
  metricsFile: object
}

/** Writes the model files, labels.json and metrics.json into request.outDir, then posts 'done'. */
export async function exportObjectModel(
  request: TrainingRequest,
  params: TrainParams,
  output: ObjectExport,
  post: Post,
): Promise<void> {
  const out = request.outDir
  const exporting = (done: number) =>
    post({ type: 'progress', stage: 'exporting', unit: 'files', done, total: 5 })
  exporting(0)
  const files: string[] = []
  await saveKerasH5(
    output.model,
    resolve(out, MODEL_FILES.keras),
    kerasDetectionTrainingConfig(params.learningRate),
  )
  files.push(MODEL_FILES.keras)
  exporting(1)
  files.push(...(await saveTfjsModel(output.model, out)))
  exporting(3)
  await writeJsonAtomically(resolve(out, MODEL_FILES.labels), output.labels)
  files.push(MODEL_FILES.labels)
  exporting(4)
  await writeJsonAtomically(resolve(out, MODEL_FILES.metrics), output.metricsFile)
  files.push(MODEL_FILES.metrics)
  exporting(5)
  post({ type: 'done', metrics: output.metrics, files })
}
