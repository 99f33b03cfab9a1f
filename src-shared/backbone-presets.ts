// The pretrained backbones a job can name without hunting for a file: the public MobileNet TF.js
// layers models that Teachable Machine and tfjs-models load, by their public URLs. `backbone=<name>`
// (or the form's preset choice) stands for the URL; the model is downloaded once into the backbone
// cache and used offline after. Each preset also names the layer its features are taken from,
// as Teachable Machine does: the v1 models end in ImageNet's 1,000-class softmax, which is no
// feature vector, and the v2 `_no_top` models end at their last ReLU already.
//
// A preset's URL can be redirected to another origin that keeps the same paths (a mirror, or a
// test's local server): TRAINING_SERVER_BACKBONE_PRESET_BASE, see presetUrl.

export interface BackbonePreset {
  /** What `backbone=` takes. */
  name: string
  /** What the form shows. */
  label: string
  /** The public model.json; its weight files sit beside it. */
  url: string
  /** The layer whose output is the feature map the new head is trained on. */
  featureLayer: string
  /** Side of the square input, in pixels. */
  inputSize: number
}

const TFJS_MODELS = 'https://storage.googleapis.com/tfjs-models/tfjs'
const TEACHABLE_MACHINE = 'https://storage.googleapis.com/teachable-machine-models'

/**
 * | name                    | public model.json                                                                                                         |
 * | ----------------------- | ------------------------------------------------------------------------------------------------------------------------- |
 * | mobilenet_v1_0.25_224   | https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_0.25_224/model.json                                          |
 * | mobilenet_v1_0.50_224   | https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_0.50_224/model.json                                          |
 * | mobilenet_v1_1.0_224    | https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_1.0_224/model.json                                           |
 * | mobilenet_v2_0.35_224   | https://storage.googleapis.com/teachable-machine-models/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top/model.json |
 * | mobilenet_v2_0.50_224   | https://storage.googleapis.com/teachable-machine-models/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.50_224_no_top/model.json |
 * | mobilenet_v2_1.00_224   | https://storage.googleapis.com/teachable-machine-models/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.00_224_no_top/model.json |
 *
 * The v1 alphas are written as tfjs-models names them (1.0, not 1.00); the v2 ones with two
 * decimals, as Teachable Machine asks for them.
 */
export const BACKBONE_PRESETS: readonly BackbonePreset[] = [
  ...(['0.25', '0.50', '1.0'] as const).map((alpha) => ({
    name: `mobilenet_v1_${alpha}_224`,
    label: `MobileNet v1 ${alpha} (224 px)`,
    url: `${TFJS_MODELS}/mobilenet_v1_${alpha}_224/model.json`,
    featureLayer: 'conv_pw_13_relu',
    inputSize: 224,
  })),
  ...(['0.35', '0.50', '1.00'] as const).map((alpha) => ({
    name: `mobilenet_v2_${alpha}_224`,
    label: `MobileNet v2 ${alpha} (224 px)`,
    url: `${TEACHABLE_MACHINE}/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_${alpha}_224_no_top/model.json`,
    featureLayer: 'out_relu',
    inputSize: 224,
  })),
]

/** The preset `value` names exactly, if it names one. */
export function backbonePreset(value: string): BackbonePreset | undefined {
  return BACKBONE_PRESETS.find((preset) => preset.name === value)
}

/**
 * Where a preset is downloaded from: its public URL, or with `base` (an http(s) origin, perhaps
 * with a path) the same path under that base, so a mirror needs only the public layout.
 */
export function presetUrl(preset: BackbonePreset, base?: string): string {
  if (base === undefined || base === '') return preset.url
  const root = base.endsWith('/') ? base : `${base}/`
  return new URL(new URL(preset.url).pathname.slice(1), root).href
}
