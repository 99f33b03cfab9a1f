// Training parameters: their names as the endpoint's query string spells them, allowed ranges,
// and defaults. The engine fills anything left unset from the dataset.

export const TRAIN_TYPES = ['classification', 'obj_detection', 'instance_segmentation'] as const
export type TrainType = (typeof TRAIN_TYPES)[number]
/** Train types that work today; the others answer 501 until they are built. */
export const IMPLEMENTED_TRAIN_TYPES: readonly TrainType[] = [
  'classification',
  'obj_detection',
  'instance_segmentation',
]

export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const
export type BackendName = (typeof BACKENDS)[number]

/**
 * cnn: the compact batch-normalised classifier. reference: the plain network of the Fashion-MNIST
 * comparison with PyTorch (two conv/pool blocks, flatten, dense 128), for like-for-like runs.
 * transfer: a pretrained backbone (`backbone`) with a new softmax head; the backbone stays frozen
 * unless `fineTuneLayers` opens its last layers to training.
 * centernet: the object detector trained from scratch (heatmap, box size and centre offset heads).
 * Which of them a task trains: its rules in src-shared/tasks (classification-params, detection-params).
 */
export const ARCHITECTURES = ['cnn', 'reference', 'transfer', 'centernet'] as const
export type Architecture = (typeof ARCHITECTURES)[number]

export interface TrainParams {
  epochs: number
  batchSize: number
  learningRate: number
  /** Square input size in pixels; images are resized to it. */
  imageSize: number
  valSplit: number
  seed: number
  architecture: Architecture
  /**
   * Random flips, small rotations, crop/scale and brightness/contrast changes of training images
   * (never validation ones), drawn from the seed. Optional: runs recorded before it existed lack it.
   */
  augment?: boolean
  /** Epochs without a better validation loss before training stops and the best weights return; 0 = never. */
  patience?: number
  /**
   * The pretrained network of the transfer architecture: a path or an http(s) URL of a TF.js layers
   * model (model.json) or a Keras HDF5 file (.h5). URLs are downloaded once into the home folder.
   */
  backbone?: string
  /** Trailing backbone layers with weights that train along with the head; 0 keeps it frozen. */
  fineTuneLayers?: number
  /**
   * The task these parameters train, set when a job's parameters are resolved. Optional: run
   * records and checkpoints written before it existed lack it, and those are a classifier's.
   */
  task?: TrainType
}

/** The task of a set of parameters: absent means classification (records older than the field). */
export function taskOfParams(params: { task?: TrainType }): TrainType {
  return params.task ?? 'classification'
}

/** Longest accepted `backbone` value (a path or URL). */
export const BACKBONE_MAX_LENGTH = 2048

export interface NumericRange {
  min: number
  max: number
  integer: boolean
}

export interface TrainParamEntry {
  key: keyof TrainParams
  range: NumericRange
  /** An on/off switch: given as true/false (or 1/0), its range is 0–1. */
  flag?: boolean
}

/** Query-string name → parameter, with its range. */
export const TRAIN_PARAM_RANGES: Record<string, TrainParamEntry> = {
  epochs: { key: 'epochs', range: { min: 1, max: 500, integer: true } },
  batch_size: { key: 'batchSize', range: { min: 1, max: 1024, integer: true } },
  learning_rate: { key: 'learningRate', range: { min: 1e-6, max: 1, integer: false } },
  image_size: { key: 'imageSize', range: { min: 16, max: 512, integer: true } },
  val_split: { key: 'valSplit', range: { min: 0.05, max: 0.5, integer: false } },
  seed: { key: 'seed', range: { min: 0, max: 2 ** 31 - 1, integer: true } },
  augment: { key: 'augment', range: { min: 0, max: 1, integer: true }, flag: true },
  patience: { key: 'patience', range: { min: 0, max: 100, integer: true } },
  fine_tune_layers: { key: 'fineTuneLayers', range: { min: 0, max: 1000, integer: true } },
}

/**
 * Tuned for small datasets (tens of images per class): batches of 16 give enough optimiser steps
 * in 12 epochs, and Adam at 3e-3 with batch norm converges in them (the 160-image demo dataset
 * reaches 100% validation accuracy by epoch 5–9). Augmentation is on because a few dozen images
 * per class are too few to show every pose; early stopping waits 5 epochs, long enough to ride
 * out the noisy validation loss of a small validation split.
 */
export const DEFAULT_TRAIN_PARAMS: TrainParams = {
  epochs: 12,
  batchSize: 16,
  learningRate: 3e-3,
  imageSize: 64,
  valSplit: 0.2,
  seed: 42,
  architecture: 'cnn',
  augment: true,
  patience: 5,
}

/**
 * What happens to the model a run stores (a request option, not a training parameter): `auto`
 * promotes it to the bucket's root keys when it is at least as good as the stored one, `always`
 * promotes it whatever it scores, `never` keeps it only under `runs/<job id>/`.
 */
export const PROMOTE_POLICIES = ['auto', 'always', 'never'] as const
export type PromotePolicy = (typeof PROMOTE_POLICIES)[number]
export const DEFAULT_PROMOTE_POLICY: PromotePolicy = 'auto'

/** Options of a training request beside its parameters. */
export interface TrainRequestOptions {
  promote?: PromotePolicy
}
