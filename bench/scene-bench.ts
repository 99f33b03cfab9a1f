// What the two scene benchmarks (detection and segmentation) share around their training: the
// options they read, how large the items in their scenes are, and the JSON lines they print.

import * as tf from '@tensorflow/tfjs'
import { backendThreads } from '../src-main/engine/backend/select-backend'
import { positiveIntegerOption, textOption } from './bench-options'
import { median, rounded } from './bench-summary'
import type { PeerLine } from './detection-peer'
import { trainableParameters } from './network-flops'

export interface SceneBenchDefaults {
  trainScenes: number
  testScenes: number
  imageSize: number
  batchSize: number
  learningRate: string
}

/** The command line's options over a benchmark's own defaults; throws on a value out of range. */
export function sceneBenchOptions(defaults: SceneBenchDefaults) {
  const options = {
    threads: positiveIntegerOption('threads', 2),
    trainScenes: positiveIntegerOption('train-scenes', defaults.trainScenes),
    testScenes: positiveIntegerOption('test-scenes', defaults.testScenes),
    epochs: positiveIntegerOption('epochs', 20),
    imageSize: positiveIntegerOption('image-size', defaults.imageSize),
    classes: positiveIntegerOption('classes', 10),
    batchSize: positiveIntegerOption('batch-size', defaults.batchSize),
    repeat: positiveIntegerOption('repeat', 1),
    learningRate: Number(textOption('learning-rate', defaults.learningRate)),
  }
  if (!(options.learningRate > 0 && options.learningRate < 1))
    throw new Error('--learning-rate must be between 0 and 1')
  if (options.imageSize % 16 !== 0) throw new Error('--image-size must be a multiple of 16')
  return options
}

/** Scenes of `size` px whose items span 1/8 to 0.44 of the side: 16–56 px at 128. */
export function sceneShape(size: number, classes: number) {
  return { size, classes, minItem: Math.round(size / 8), maxItem: Math.round(size * 0.44) }
}

/** The engine's run as the JSON line reports it: its size, training time and speed. */
export function runFields(
  run: { model: tf.LayersModel; epochs: readonly { imagesPerSec: number }[] },
  trainImages: number,
  wallS: number,
) {
  const seconds = run.epochs.reduce((sum, m) => sum + trainImages / m.imagesPerSec, 0)
  return {
    parameters: trainableParameters(run.model),
    train_s: rounded(seconds, 2),
    wall_s: rounded(wallS, 2),
    images_per_s: rounded((run.epochs.length * trainImages) / seconds, 1),
    epochs_run: run.epochs.length,
  }
}

/** The options every line of a run repeats. */
export function commonFields(options: ReturnType<typeof sceneBenchOptions>) {
  return {
    threads: options.threads,
    train_scenes: options.trainScenes,
    test_scenes: options.testScenes,
    image_size: options.imageSize,
    classes: options.classes,
    epochs: options.epochs,
    batch_size: options.batchSize,
    learning_rate: options.learningRate,
  }
}

type Fields = Record<string, unknown>

/**
 * The JSON lines of a scene benchmark's runs: the engine's and the peer's line per run, their
 * ratio line, and a median line over the runs. `metric` names the headline field (`map`,
 * `mask_map`); the ratio line also carries `metric` + '50'.
 */
export function sceneRunLines(bench: string, common: Fields, metric: string) {
  const speeds = { ours: [] as number[], peer: [] as number[], ratio: [] as number[] }
  const maps = { ours: [] as number[], peer: [] as number[] }
  return {
    ours(fields: Fields & { images_per_s: number }, run: number) {
      console.log(
        JSON.stringify({
          bench,
          engine: 'training-server',
          backend: tf.getBackend(),
          ...common,
          threads: backendThreads(),
          ...fields,
          run,
        }),
      )
      speeds.ours.push(fields.images_per_s)
      maps.ours.push(fields[metric] as number)
    },
    peer(line: PeerLine, headline: Fields, ours: Fields & { images_per_s: number }, run: number) {
      console.log(
        JSON.stringify({
          bench,
          engine: 'pytorch',
          version: line.version,
          ...common,
          parameters: line.parameters,
          train_s: line.train_s,
          images_per_s: line.images_per_s,
          ...headline,
          run,
        }),
      )
      const ratio = rounded(ours.images_per_s / line.images_per_s, 3)
      speeds.peer.push(line.images_per_s)
      maps.peer.push(headline[metric] as number)
      speeds.ratio.push(ratio)
      console.log(
        JSON.stringify({
          bench: `${bench}-ratio`,
          images_per_s_ratio: ratio,
          [`ours_${metric}`]: ours[metric],
          [`peer_${metric}`]: headline[metric],
          [`ours_${metric}50`]: ours[`${metric}50`],
          [`peer_${metric}50`]: headline[`${metric}50`],
          run,
        }),
      )
    },
    /** Prints the median line when there was more than one run. */
    median(repeat: number) {
      if (repeat <= 1) return
      console.log(
        JSON.stringify({
          bench: `${bench}-median`,
          runs: repeat,
          ours_images_per_s: median(speeds.ours),
          [`ours_${metric}`]: median(maps.ours),
          ...(speeds.peer.length > 0 && {
            peer_images_per_s: median(speeds.peer),
            [`peer_${metric}`]: median(maps.peer),
            images_per_s_ratio: median(speeds.ratio),
          }),
        }),
      )
    },
  }
}
