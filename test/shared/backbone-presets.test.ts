// The preset table: exact public URLs, names that are what `backbone=` takes, and the base that
// redirects them (for a mirror or a test's local server) keeping each path.

import { describe, expect, it } from 'vitest'
import { loadSettings } from '../../src-main/config/settings'
import { backboneLocation } from '../../src-main/engine/worker/transfer-training'
import { BACKBONE_PRESETS, backbonePreset, presetUrl } from '../../src-shared/backbone-presets'

describe('backbone presets', () => {
  it('name the public MobileNet layers models Teachable Machine and tfjs-models load', () => {
    expect(backbonePreset('mobilenet_v1_0.25_224')?.url).toBe(
      'https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_0.25_224/model.json',
    )
    expect(backbonePreset('mobilenet_v1_1.0_224')?.url).toBe(
      'https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_1.0_224/model.json',
    )
    expect(backbonePreset('mobilenet_v2_0.35_224')).toMatchObject({
      url:
        'https://storage.googleapis.com/teachable-machine-models/' +
        'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top/model.json',
      featureLayer: 'out_relu',
    })
    expect(backbonePreset('mobilenet_v1_0.25_224')?.featureLayer).toBe('conv_pw_13_relu')
    const names = BACKBONE_PRESETS.map((preset) => preset.name)
    expect(new Set(names).size).toBe(names.length)
    expect(backbonePreset('mobilenet')).toBeUndefined()
  })

  it('keep the public path under a base, with or without its trailing slash', () => {
    const preset = backbonePreset('mobilenet_v1_0.25_224')!
    expect(presetUrl(preset)).toBe(preset.url)
    expect(presetUrl(preset, 'http://127.0.0.1:8080')).toBe(
      'http://127.0.0.1:8080/tfjs-models/tfjs/mobilenet_v1_0.25_224/model.json',
    )
    expect(presetUrl(preset, 'http://mirror.local/models/')).toBe(
      'http://mirror.local/models/tfjs-models/tfjs/mobilenet_v1_0.25_224/model.json',
    )
  })

  it('win over a relative path of the same name; other values resolve as before', () => {
    const home = '/srv/home'
    expect(backboneLocation('mobilenet_v2_0.35_224', home, 'http://127.0.0.1:1/')).toBe(
      'http://127.0.0.1:1/teachable-machine-models/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top/model.json',
    )
    expect(backboneLocation('models/b.h5', home)).toBe('/srv/home/models/b.h5')
    expect(backboneLocation('https://x.example/m.json', home)).toBe('https://x.example/m.json')
  })

  it('take their base from TRAINING_SERVER_BACKBONE_PRESET_BASE, refusing a non-http value', () => {
    const home = { TRAINING_SERVER_HOME: process.env.TRAINING_SERVER_HOME ?? '' }
    expect(loadSettings(home).backbonePresetBase).toBeUndefined()
    const base = 'http://127.0.0.1:9000/'
    expect(
      loadSettings({ ...home, TRAINING_SERVER_BACKBONE_PRESET_BASE: base }).backbonePresetBase,
    ).toBe(base)
    expect(() =>
      loadSettings({ ...home, TRAINING_SERVER_BACKBONE_PRESET_BASE: 'file:///srv/models' }),
    ).toThrow(/TRAINING_SERVER_BACKBONE_PRESET_BASE must be an http\(s\) URL/)
  })
})
