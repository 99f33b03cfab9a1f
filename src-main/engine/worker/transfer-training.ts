// The worker's side of transfer learning: finding the backbone a request names (a preset's name
// stands for its URL, relative paths start from the home folder, URLs are downloaded once with
// progress events), checking that it fits the image pipeline, and where its embeddings are cached.

import { dirname, isAbsolute, join, resolve } from 'node:path'
import { classifyBackbone } from '../../../src-shared/backbone-reference'
import { backbonePreset, presetUrl } from '../../../src-shared/backbone-presets'
import { AppFailure, appError } from '../../../src-shared/errors'
import type { TransferFacts } from '../../../src-shared/job-events'
import { RESIZE_MODE } from '../../dataset/decode-image'
import { relabelled } from '../backbone/backbone-files'
import { loadBackbone, type Backbone } from '../backbone/backbone-source'
import { cutAtLayer } from '../backbone/backbone-feature-layer'
import type { TrainedTransfer } from '../tasks/classification/train-transfer'
import type { TrainingMessage, TrainingRequest } from './training-protocol'

/** Hex digits of the backbone id that name its embedding cache. */
const ID_DIGITS = 16

export function requestHome(request: TrainingRequest): string {
  return request.home ?? dirname(request.cacheDir)
}

/**
 * The backbone as the loader should see it: a preset's URL (under `presetBase` when one is set),
 * URLs (and refusals) and absolute paths as given, the rest in home. A preset's name wins over a
 * file of that name in home.
 */
export function backboneLocation(spec: string, home: string, presetBase?: string): string {
  const preset = backbonePreset(spec)
  if (preset !== undefined) return presetUrl(preset, presetBase)
  return classifyBackbone(spec).kind !== 'path' || isAbsolute(spec) ? spec : resolve(home, spec)
}

export async function loadRequestBackbone(
  request: TrainingRequest,
  post: (message: TrainingMessage) => void,
): Promise<Backbone> {
  const spec = request.params.backbone
  if (spec === undefined)
    throw new AppFailure(
      appError('INVALID_PARAMETER', 'architecture transfer needs a backbone', {
        field: 'backbone',
      }),
    )
  const home = requestHome(request)
  post({ type: 'log', level: 'info', message: `loading backbone ${spec}` })
  const location = backboneLocation(spec, home, request.backbonePresetBase)
  const loaded = await loadBackbone(location, {
    home,
    ...(request.backboneMaxBytes !== undefined && { maxBytes: request.backboneMaxBytes }),
    ...(request.backboneTimeoutMs !== undefined && { timeoutMs: request.backboneTimeoutMs }),
    onProgress: ({ done, total }) =>
      post({
        type: 'progress',
        stage: 'training',
        unit: 'bytes',
        done,
        total: total ?? done,
      }),
  }).catch((error: unknown) => {
    throw relabelled(error, location, spec)
  })
  const preset = backbonePreset(spec)
  let backbone = loaded
  try {
    if (preset !== undefined) backbone = cutAtLayer(loaded, preset.featureLayer, spec)
  } catch (error) {
    loaded.model.dispose()
    throw error
  }
  const [height, width] = backbone.inputShape
  // Images are brought to a square; a backbone with another aspect would see them stretched twice.
  if (height !== width) {
    backbone.model.dispose()
    throw new AppFailure(
      appError(
        'BACKBONE_INVALID',
        `${spec} takes ${height}×${width} images; only square inputs are supported`,
        { field: 'backbone', file: spec },
      ),
    )
  }
  post({
    type: 'log',
    level: 'info',
    message:
      `backbone ${backbone.model.name}: ${backbone.model.layers.length} layers, input ` +
      `${height}×${width}, pixels ${backbone.inputScaling === 'raw' ? 'as they are' : 'scaled to [-1, 1]'}`,
  })
  return backbone
}

/** Embeddings depend on the backbone, its input size and how images were resized: all in the name. */
export function embeddingStoreDir(cacheDir: string, backbone: Backbone): string {
  const [height, width] = backbone.inputShape
  return join(
    cacheDir,
    'embeddings',
    `${backbone.id.slice(0, ID_DIGITS)}-${height}x${width}-${RESIZE_MODE}`,
  )
}

export function transferFacts(
  spec: string,
  backbone: Backbone,
  trained: TrainedTransfer,
): TransferFacts {
  return {
    backbone: spec,
    backboneId: backbone.id,
    inputShape: backbone.inputShape,
    embeddingSize: trained.embeddings.size,
    embeddingsComputed: trained.embeddings.computed,
    embeddingsCached: trained.embeddings.cached,
    fineTunedLayers: trained.fineTuned,
    fineTuneEpochs: trained.fineTuneEpochs,
  }
}
