// The demo clients a fresh install starts with, so the very first
// `/progress?train_type=classification&bucket_name=client0` has something to train on, and
// `/progress?train_type=obj_detection&bucket_name=client2` a detector and
// `/progress?train_type=instance_segmentation&bucket_name=client3` a segmenter. They are generated once per
// home folder (a marker file remembers it) and only into the embedded store, never into someone's
// real S3 account. Each says the train type its dataset is for, so the UI's form starts on it.

import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import { datasetBucketName } from '../../src-shared/client-names'
import type { TrainType } from '../../src-shared/train-params'
import type { Settings } from '../config/settings'
import { writeDemoDataset } from '../dataset/demo-dataset'
import { writeDemoDetectionDataset } from '../dataset/demo-detection-dataset'
import { writeDemoSegmentationDataset } from '../dataset/demo-segmentation-dataset'
import { uploadFolder } from '../storage/upload-folder'

export const DEMO_MARKER = '.demo-seeded'

export interface DemoClient {
  client: string
  seed: number
  trainType: TrainType
}

export const DEMO_CLIENTS: readonly DemoClient[] = [
  { client: 'client0', seed: 1, trainType: 'classification' },
  { client: 'client1', seed: 2, trainType: 'classification' },
  { client: 'client2', seed: 3, trainType: 'obj_detection' },
  { client: 'client3', seed: 4, trainType: 'instance_segmentation' },
]

/** The train type a demo client's dataset is for; undefined for other clients. */
export function demoTrainType(settings: Settings, client: string): TrainType | undefined {
  // Demo datasets exist only in the embedded store: a real account's client2 is the user's own.
  if (!settings.s3.embedded) return undefined
  return DEMO_CLIENTS.find((demo) => demo.client === client)?.trainType
}

async function writeDemoClient(folder: string, demo: DemoClient): Promise<void> {
  if (demo.trainType === 'obj_detection')
    await writeDemoDetectionDataset(folder, { seed: demo.seed })
  else if (demo.trainType === 'instance_segmentation')
    await writeDemoSegmentationDataset(folder, { seed: demo.seed })
  else await writeDemoDataset(folder, { seed: demo.seed })
}

/** Uploads the demo datasets unless this home folder already had them. Returns whether it did. */
export async function seedDemoClients(settings: Settings, s3: S3Client): Promise<boolean> {
  const marker = join(settings.home, DEMO_MARKER)
  if (await stat(marker).catch(() => undefined)) return false
  const scratch = await mkdtemp(join(tmpdir(), 'training-server-demo-'))
  try {
    for (const demo of DEMO_CLIENTS) {
      const { client } = demo
      const folder = join(scratch, client)
      await writeDemoClient(folder, demo)
      await uploadFolder({
        s3,
        bucket: datasetBucketName(settings.bucketPrefix, client),
        folder,
        createBucket: true,
      })
    }
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
  await writeFile(marker, `${new Date().toISOString()}\n`)
  return true
}
