// The training worker thread: receives one TrainingRequest as workerData, decodes the dataset's
// images through the pixel cache, trains the classifier and writes the model files into outDir,
// reporting everything as TrainingMessages. It never throws past its edge: every failure becomes
// an 'error' message.

import { resolve } from 'node:path'
import { platform, setPriority } from 'node:os'
import { parentPort, workerData } from 'node:worker_threads'
import * as tf from '@tensorflow/tfjs'
import { AppFailure, appError } from '../../../src-shared/errors'
import type { ClassificationTrainingMetrics, TransferFacts } from '../../../src-shared/job-events'
import type { ValidationSetIdentity } from '../../../src-shared/model-versions'
import type { BackendName, TrainParams } from '../../../src-shared/train-params'
import { closeOpenRecordStores, openRecordStore } from '../../cache/record-store'
import { RESIZE_MODE } from '../../dataset/decode-image'
import { writeJsonAtomically } from '../../platform/atomic-file'
import { classificationReport } from '../tasks/classification/evaluate'
import { predictProbabilities } from '../tasks/classification/step'
import { saveKerasH5 } from '../export/keras-h5'
import { saveTfjsModel } from '../export/tfjs'
import { kerasTrainingConfig } from '../export/keras-h5-layout'
import { backendThreads, selectBackend } from '../backend/select-backend'
import type { SampleSet } from '../data/image-batches'
import {
  splitStratified,
  type TrainCallbacks,
  type TrainedClassifier,
} from '../tasks/classification/train-classifier'
import type { TrainedTransfer } from '../tasks/classification/train-transfer'
import { taskModule } from '../tasks/registry'
import { decodeDataset, type DecodedDataset } from './decode-dataset'
import { engineFailure, type EngineContext } from './engine-failure'
import { progressGate } from '../../platform/rate-gate'
import { trainResumable } from './resumable-training'
import { checkTrainingMemory, trainingMemoryLimit } from './training-memory'
import { validationSetIdentity, type IdentifiedImage } from './validation-identity'
import { embeddingStoreDir, loadRequestBackbone, transferFacts } from './transfer-training'
import {
  MODEL_FILES,
  type DetectionTrainingMessage,
  type LabelsFile,
  requestTask,
  type MetricsFile,
  type TrainingControl,
  type TrainingMessage,
  type TrainingRequest,
} from './training-protocol'

/** Nice value of the training thread: below the thread that answers HTTP and IPC. */
const TRAINING_NICENESS = 10

type Post = (message: TrainingMessage) => void

/** The training and validation parts, as subsets of the streamed set (no pixels are copied). */
function splitDecoded(
  decoded: DecodedDataset,
  request: TrainingRequest,
  params: TrainingRequest['params'],
  post: Post,
) {
  const { set, fileNames, keys, skipped } = decoded
  post({
    type: 'log',
    level: 'info',
    message: `${decoded.fromCache} images from the pixel cache, ${decoded.decoded} decoded`,
  })
  const split = splitStratified(set.labels, params.valSplit, params.seed)
  const identified = (index: number): IdentifiedImage => ({
    fileName: fileNames[index] ?? '',
    contentHash: keys[index] ?? '',
    label: request.classes[set.labels[index] ?? -1]?.name ?? '',
  })
  return {
    validationSet: validationSetIdentity(
      Array.from({ length: set.count }, (_, index) => identified(index)),
      split.val.map(identified),
    ),
    train: set.select(split.train),
    val: set.select(split.val),
    valFileNames: split.val.map((index) => fileNames[index] ?? ''),
    trainKeys: split.train.map((index) => keys[index] ?? ''),
    valKeys: split.val.map((index) => keys[index] ?? ''),
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

interface Evaluated {
  trainImages: number
  val: SampleSet
  valFileNames: string[]
  skipped: MetricsFile['skippedImages']
  validationSet: ValidationSetIdentity
}

/** What the error path needs to name the cause of a failure: filled in as the run learns it. */
const context: EngineContext = {
  params: (workerData as TrainingRequest | undefined)?.params ?? { batchSize: 0, imageSize: 0 },
}

async function run(request: TrainingRequest, post: Post): Promise<void> {
  const taskName = requestTask(request)
  const task = taskModule(taskName)
  const notImplemented = () =>
    new AppFailure(
      appError('NOT_IMPLEMENTED', `training a ${taskName} model is not implemented yet`, {
        field: 'trainType',
        details: { trainType: taskName },
      }),
    )
  if (!task) throw notImplemented()
  yieldCpuToServer()
  const backend = await selectBackend(
    request.backend,
    request.threads === undefined ? {} : { threads: request.threads },
  )
  // Keeps tfjs' console notices (for example the "install tfjs-node" hint) out of job logs.
  tf.env().set('PROD', true)
  post({ type: 'backend', backend })
  context.backend = backend
  const threads = backendThreads()
  post({ type: 'log', level: 'info', message: `${backend} backend, ${threads} thread(s)` })
  // Its messages differ only in the metrics they carry, which the parent passes on as they come.
  if (task.runTraining)
    return task.runTraining(request, post as (m: DetectionTrainingMessage) => void, {
      backend,
      threads,
      context,
    })
  const parts = task.train
  if (!parts) throw notImplemented()

  const backbone =
    request.params.architecture === 'transfer'
      ? await loadRequestBackbone(request, post)
      : undefined
  let trained: TrainedClassifier | TrainedTransfer | undefined
  try {
    // A backbone takes images at its own input size, whatever imageSize said.
    const params = backbone
      ? { ...request.params, imageSize: backbone.inputShape[0] }
      : request.params
    context.inputSide = params.imageSize
    // A backbone's input and the wasm heap's ceiling are known only now.
    if (request.memoryLimitBytes !== undefined)
      checkTrainingMemory(
        request.params,
        trainingMemoryLimit(request.memoryLimitBytes, backend),
        params.imageSize,
      )
    const { train, val, valFileNames, trainKeys, valKeys, skipped, validationSet } = splitDecoded(
      await decodeDataset(request, post, { size: params.imageSize }),
      request,
      params,
      post,
    )
    const gate = progressGate()
    const plannedEpochs = params.epochs + (backbone ? parts.fineTuneEpochs(params) : 0)
    const callbacks: TrainCallbacks = {
      onEpoch: (metrics) => post({ type: 'epoch', metrics }),
      onBatch: ({ epoch, batch, batches }) => {
        const done = (epoch - 1) * batches + batch
        const total = plannedEpochs * batches
        if (gate(done === total))
          post({ type: 'progress', stage: 'training', unit: 'batches', done, total, epoch })
      },
      onLog: (message) => post({ type: 'log', level: 'info', message }),
    }
    const numClasses = request.classes.length
    if (backbone) {
      const embedGate = progressGate()
      trained = await parts.transfer({
        backbone,
        train,
        val,
        trainKeys,
        valKeys,
        numClasses,
        params,
        callbacks: {
          ...callbacks,
          onEmbedding: ({ done, total }) => {
            if (embedGate(done === total))
              post({ type: 'progress', stage: 'training', unit: 'images', done, total })
          },
        },
        openEmbeddingStore: (recordBytes) =>
          openRecordStore(embeddingStoreDir(request.cacheDir, backbone), recordBytes),
      })
    } else
      trained = await trainResumable(
        request,
        parts.fromScratch,
        { train, val, numClasses, params, callbacks },
        post,
      )
    const transfer =
      backbone && 'embeddings' in trained
        ? transferFacts(request.params.backbone ?? '', backbone, trained)
        : undefined
    await reportAndExport(
      request,
      params,
      trained,
      { trainImages: train.count, val, valFileNames, skipped, validationSet },
      { backend, threads, ...(transfer && { transfer }) },
      post,
    )
  } finally {
    trained?.model.dispose()
    backbone?.model.dispose()
  }
}

/** Evaluates the kept weights on the validation split, writes every model file and posts 'done'. */
async function reportAndExport(
  request: TrainingRequest,
  params: TrainParams,
  trained: TrainedClassifier,
  evaluated: Evaluated,
  facts: { backend: BackendName; threads: number; transfer?: TransferFacts },
  post: Post,
): Promise<void> {
  const { model, epochs, bestEpoch, stoppedEarly } = trained
  const { val, valFileNames, skipped } = evaluated
  const { classes } = request
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
  const metrics: ClassificationTrainingMetrics = {
    task: 'classification',
    backend: facts.backend,
    epochs,
    finalValAccuracy: kept?.valAccuracy ?? NaN,
    finalValLoss: kept?.valLoss ?? NaN,
    trainImages: evaluated.trainImages,
    valImages: val.count,
    classes: classNames,
    ...report,
    bestEpoch,
    stoppedEarly,
    ...(facts.transfer && { transfer: facts.transfer }),
    validationSet: evaluated.validationSet,
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
    task: 'classification',
    classes,
    inputSize: [params.imageSize, params.imageSize, 3],
    inputRange: [0, 255],
    channels: 'RGB',
    resizeMode: RESIZE_MODE,
  }
  await writeJsonAtomically(resolve(out, MODEL_FILES.labels), labels)
  exporting(4)
  const metricsFile: MetricsFile = {
    ...metrics,
    params,
    threads: facts.threads,
    skippedImages: skipped,
  }
  await writeJsonAtomically(resolve(out, MODEL_FILES.metrics), metricsFile)
  exporting(5)
  post({
    type: 'done',
    metrics,
    files: [MODEL_FILES.keras, ...tfjsFiles, MODEL_FILES.labels, MODEL_FILES.metrics],
  })
}

if (parentPort !== null) {
  const port = parentPort
  const post: Post = (message) => {
    // The parent stops the thread as soon as it reads the outcome: cache files close first.
    if (message.type === 'done' || message.type === 'error') closeOpenRecordStores()
    port.postMessage(message)
  }
  port.on('message', (control: TrainingControl) => {
    if (control.type !== 'stop') return
    closeOpenRecordStores()
    port.postMessage({ type: 'stopped' } satisfies TrainingMessage)
  })
  run(workerData as TrainingRequest, post)
    .catch((error: unknown) => post({ type: 'error', error: engineFailure(error, context) }))
    .finally(closeOpenRecordStores)
}
