// Transfer learning in two stages. First the backbone is frozen: every image's embedding is
// computed once (or read from the cache), and a softmax head trains on the embeddings alone, which
// takes seconds. Then, when fine-tuning is asked for, the backbone's last layers open and the whole
// network trains on the images at a tenth of the learning rate, starting from the trained head, so
// the pretrained features are adjusted rather than overwritten.

import type { ClassificationEpochMetrics } from '../../../../src-shared/job-events'
import type { TrainParams } from '../../../../src-shared/train-params'
import type { RecordStore } from '../../../cache/record-store'
import { embedImages } from '../../data/embedding-set'
import type { SampleSet } from '../../data/image-batches'
import { trainClassifier, type TrainCallbacks, type TrainedClassifier } from './train-classifier'
import {
  buildEmbedder,
  buildHead,
  buildTransferClassifier,
  embeddingSize,
  openLastLayers,
  type BackboneGraph,
} from './transfer-model'

/** Fine-tuning moves pretrained weights this much slower than the head learnt. */
const FINE_TUNE_RATE_FACTOR = 0.1

export interface TrainTransferOptions {
  backbone: BackboneGraph
  /** Images at the backbone's input size, with a content key per row. */
  train: SampleSet
  val: SampleSet
  trainKeys: readonly string[]
  valKeys: readonly string[]
  numClasses: number
  params: TrainParams
  callbacks: TrainCallbacks & {
    onEmbedding?(p: { done: number; total: number }): void
  }
  /**
   * Opens the store that keeps this backbone's embeddings between runs, given the record size
   * (4 bytes per value); closed again before training returns. Without it nothing is cached.
   */
  openEmbeddingStore?: (recordBytes: number) => Promise<RecordStore>
  shouldStop?: () => boolean
}

export interface TrainedTransfer extends TrainedClassifier {
  embeddings: { computed: number; cached: number; size: number }
  /** Backbone layers that trained along with the head (none with a frozen backbone). */
  fineTuned: string[]
  /** Epochs of the second, fine-tuning stage (counted after the head's in `epochs`). */
  fineTuneEpochs: number
}

/** Epochs the fine-tuning stage gets: half the head's, at least one. */
export function fineTuneEpochs(params: TrainParams): number {
  return (params.fineTuneLayers ?? 0) > 0 ? Math.max(1, Math.round(params.epochs / 2)) : 0
}

export async function trainTransfer(opts: TrainTransferOptions): Promise<TrainedTransfer> {
  const { backbone, params, callbacks, numClasses } = opts
  const secondStage = fineTuneEpochs(params)
  const planned = params.epochs + secondStage
  const embedder = buildEmbedder(backbone)
  let trained: TrainedClassifier | undefined
  let store: RecordStore | undefined
  try {
    const size = embeddingSize(embedder)
    store = await opts.openEmbeddingStore?.(size * 4)
    let done = 0
    const total = opts.train.count + opts.val.count
    const embed = async (images: SampleSet, keys: readonly string[]) => {
      const before = done
      const result = await embedImages({
        embedder,
        images,
        keys,
        batchSize: Math.max(params.batchSize, 32),
        ...(store !== undefined && { store }),
        onProgress: (rows) => callbacks.onEmbedding?.({ done: before + rows, total }),
        ...(opts.shouldStop !== undefined && { shouldStop: opts.shouldStop }),
      })
      done += images.count
      return result
    }
    const train = await embed(opts.train, opts.trainKeys)
    const val = await embed(opts.val, opts.valKeys)
    store?.close()
    const computed = train.computed + val.computed
    callbacks.onLog?.(
      `Embeddings of ${size} values: ${computed} computed by the backbone, ` +
        `${train.cached + val.cached} read from the cache`,
    )
    // Both stages count on one epoch axis, the fine-tuning epochs after the head's.
    const onAxis = (offset: number, elapsedBefore: number) => (m: ClassificationEpochMetrics) => ({
      ...m,
      epoch: m.epoch + offset,
      epochs: planned,
      elapsedMs: m.elapsedMs + elapsedBefore,
    })
    const relabel = (offset: number, elapsedBefore: number) => (m: ClassificationEpochMetrics) =>
      callbacks.onEpoch(onAxis(offset, elapsedBefore)(m))
    const head = await trainClassifier({
      train: train.set,
      val: val.set,
      numClasses,
      params: { ...params, augment: false },
      model: buildHead(size, numClasses, params.seed, backbone.model),
      callbacks: {
        ...callbacks,
        onEpoch: relabel(0, 0),
        onBatch: (p) => callbacks.onBatch?.(p),
      },
      ...(opts.shouldStop !== undefined && { shouldStop: opts.shouldStop }),
    })
    trained = head
    const classifier = buildTransferClassifier(backbone, head.model)
    // The head's layers now live on in the classifier; its own wrapper is no longer needed.
    head.model.dispose()
    trained = { ...head, model: classifier, epochs: head.epochs.map(onAxis(0, 0)) }
    if (secondStage === 0)
      return {
        ...trained,
        embeddings: { computed, cached: train.cached + val.cached, size },
        fineTuned: [],
        fineTuneEpochs: 0,
      }

    const opened = openLastLayers(backbone.model, params.fineTuneLayers ?? 0)
    callbacks.onLog?.(
      `Fine-tuning ${opened.length} backbone layer(s) (${opened.join(', ')}) for ${secondStage} ` +
        `epoch(s) at learning rate ${(params.learningRate * FINE_TUNE_RATE_FACTOR).toPrecision(3)}`,
    )
    const headEpochs = head.epochs.length
    const headElapsed = head.epochs.at(-1)?.elapsedMs ?? 0
    trained = undefined // trainClassifier owns the classifier from here, and disposes it on failure
    const tuned = await trainClassifier({
      train: opts.train,
      val: opts.val,
      numClasses,
      params: {
        ...params,
        epochs: secondStage,
        learningRate: params.learningRate * FINE_TUNE_RATE_FACTOR,
      },
      model: classifier,
      callbacks: {
        ...callbacks,
        onEpoch: relabel(headEpochs, headElapsed),
        onBatch: (p) => callbacks.onBatch?.({ ...p, epoch: p.epoch + headEpochs }),
      },
      ...(opts.shouldStop !== undefined && { shouldStop: opts.shouldStop }),
    })
    return {
      model: tuned.model,
      epochs: [
        ...head.epochs.map(onAxis(0, 0)),
        ...tuned.epochs.map(onAxis(headEpochs, headElapsed)),
      ],
      bestEpoch: headEpochs + tuned.bestEpoch,
      stoppedEarly: head.stoppedEarly || tuned.stoppedEarly,
      embeddings: { computed, cached: train.cached + val.cached, size },
      fineTuned: opened,
      fineTuneEpochs: secondStage,
    }
  } catch (error) {
    trained?.model.dispose()
    throw error
  } finally {
    store?.close()
    embedder.dispose()
  }
}
