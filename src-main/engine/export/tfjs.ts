// Writes a model in the TensorFlow.js layers format (model.json + one weights file), for use in
// browsers and Node without conversion. The weights file is written first and model.json last, so
// a model.json that exists always points at a complete weights file.

import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { writeFileAtomically, writeJsonAtomically } from '../../platform/atomic-file'

export const TFJS_MODEL_FILE = 'model.json'
export const TFJS_WEIGHTS_FILE = 'weights.bin'

/** Saves into `dir`; returns the file names written (relative to `dir`). */
export async function saveTfjsModel(model: tf.LayersModel, dir: string): Promise<string[]> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData =
        artifacts.weightData === undefined
          ? new ArrayBuffer(0)
          : tf.io.CompositeArrayBuffer.join(artifacts.weightData)
      await writeFileAtomically(join(dir, TFJS_WEIGHTS_FILE), new Uint8Array(weightData))
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: null,
        weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
      }
      await writeJsonAtomically(join(dir, TFJS_MODEL_FILE), modelJson)
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) }
    }),
  )
  return [TFJS_MODEL_FILE, TFJS_WEIGHTS_FILE]
}
