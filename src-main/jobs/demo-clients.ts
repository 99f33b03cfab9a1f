// The demo clients a fresh install starts with, so the very first
// `/progress?train_type=classification&bucket_name=client0` has something to train on. They are
// generated once per home folder (a marker file remembers it) and only into the embedded store,
// never into someone's real S3 account.

import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import { datasetBucketName } from '../../src-shared/client-names'
import type { Settings } from '../config/settings'
import { writeDemoDataset } from '../dataset/demo-dataset'
import { uploadFolder } from '../storage/upload-folder'

export const DEMO_MARKER = '.demo-seeded'

export const DEMO_CLIENTS = [
  { client: 'client0', seed: 1 },
  { client: 'client1', seed: 2 },
] as const

/** Uploads the demo datasets unless this home folder already had them. Returns whether it did. */
export async function seedDemoClients(settings: Settings, s3: S3Client): Promise<boolean> {
  const marker = join(settings.home, DEMO_MARKER)
  if (await stat(marker).catch(() => undefined)) return false
  const scratch = await mkdtemp(join(tmpdir(), 'training-server-demo-'))
  try {
    for (const { client, seed } of DEMO_CLIENTS) {
      const folder = join(scratch, client)
      await writeDemoDataset(folder, { seed })
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
