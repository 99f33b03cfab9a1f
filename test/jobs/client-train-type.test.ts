// Which train type a client's form and dataset check start on: its last finished run's, else the
// one its demo dataset was made for (in the embedded store only), else classification; and the
// train defaults of that type.

import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JobSummary } from '../../src-shared/job-events'
import { DEFAULT_DETECTION_PARAMS } from '../../src-shared/tasks/detection-params'
import { DEFAULT_TRAIN_PARAMS } from '../../src-shared/train-params'
import { loadSettings, type Settings } from '../../src-main/config/settings'
import { clientTrainType } from '../../src-main/jobs/client-train-type'
import { DEMO_CLIENTS } from '../../src-main/jobs/demo-clients'
import { trainDefaultsFor } from '../../src-main/jobs/train-defaults'

let home: string
let settings: Settings
beforeAll(async () => {
  const base = process.env.TRAINING_SERVER_HOME
  if (!base) throw new Error('test/setup-home.ts did not run')
  home = await mkdtemp(join(base, 'train-type-'))
  settings = loadSettings({ TRAINING_SERVER_HOME: home })
})
afterAll(async () => {
  await rm(home, { recursive: true, force: true })
})

function job(client: string, trainType: JobSummary['trainType'], state: JobSummary['state']) {
  return {
    id: `${client}-${trainType}-${state}`,
    client,
    trainType,
    params: DEFAULT_TRAIN_PARAMS,
    state,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  } satisfies JobSummary
}

describe('clientTrainType', () => {
  it('has four demo clients, client2 a detection set and client3 a segmentation set', () => {
    expect(DEMO_CLIENTS.map((demo) => [demo.client, demo.trainType])).toEqual([
      ['client0', 'classification'],
      ['client1', 'classification'],
      ['client2', 'obj_detection'],
      ['client3', 'instance_segmentation'],
    ])
  })

  it("starts a demo client on its dataset's type, in the embedded store only", () => {
    expect(settings.s3.embedded).toBe(true)
    expect(clientTrainType(settings, 'client2', [])).toBe('obj_detection')
    expect(clientTrainType(settings, 'client3', [])).toBe('instance_segmentation')
    expect(clientTrainType(settings, 'client0', [])).toBe('classification')
    expect(clientTrainType(settings, 'shop', [])).toBe('classification')
    const realAccount = { ...settings, s3: { ...settings.s3, embedded: false } }
    expect(clientTrainType(realAccount, 'client2', [])).toBe('classification')
  })

  it('follows the last finished run over the demo hint, ignoring failed runs', () => {
    const jobs = [
      job('shop', 'classification', 'failed'),
      job('shop', 'obj_detection', 'done'),
      job('client2', 'classification', 'failed'),
    ]
    expect(clientTrainType(settings, 'shop', jobs)).toBe('obj_detection')
    expect(clientTrainType(settings, 'client2', jobs)).toBe('obj_detection')
  })
})

describe('trainDefaultsFor', () => {
  it('gives a detection client the detection defaults before its dataset is synced', async () => {
    const view = await trainDefaultsFor(settings, 'client2', 'obj_detection')
    expect(view).toMatchObject({ trainType: 'obj_detection', basis: 'not-synced' })
    expect(view.params.architecture).toEqual({ value: 'centernet', source: 'default' })
    expect(view.params.imageSize?.value).toBe(DEFAULT_DETECTION_PARAMS.imageSize)
    expect(view.params.epochs?.value).toBe(DEFAULT_DETECTION_PARAMS.epochs)
    const classifier = await trainDefaultsFor(settings, 'client0')
    expect(classifier.params.architecture?.value).toBe('cnn')
  })
})
