// Bad object keys through every entry point of the embedded store, signed with its key: one JSON
// line per entry point with how many requests were tried and refused. Small: runs in seconds.
// A check rather than a timing, so it has no --repeat; --keys N tries only the first N bad keys.
//
//   npx tsx bench/store-key-fuzz.bench.ts [--keys N]

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmbeddedS3 } from '../src-main/storage/embedded-s3'
import { generateStoreCredentials } from '../src-main/storage/store-credentials'
import { sendSigned } from '../test/storage/signed-request'
import { badKeys, fuzzEntryPoints } from '../test/storage/store-key-fuzz'
import { positiveIntegerOption } from './bench-options'

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'store-fuzz-bench-'))
  const store = await startEmbeddedS3({
    directory: join(work, 's3'),
    port: 0,
    credentials: generateStoreCredentials(),
  })
  try {
    const bucket = 'fuzz-bench'
    const send = (method: string, target: string) =>
      sendSigned(store.port, store.credentials, { method, target })
    await send('PUT', `/${bucket}`)
    const created = await send('POST', `/${bucket}/good?uploads`)
    const uploadId = /<UploadId>([0-9a-f]+)<\/UploadId>/.exec(created.text)?.[1] ?? ''
    const keys = badKeys()
    const counts = await fuzzEntryPoints(
      { port: store.port, credentials: store.credentials, bucket, uploadId },
      keys.slice(0, positiveIntegerOption('keys', keys.length)),
    )
    for (const c of counts)
      console.log(
        JSON.stringify({
          bench: 'store-key-fuzz',
          entry: c.entry,
          tried: c.tried,
          refused: c.refused,
        }),
      )
    if (counts.some((c) => c.refused !== c.tried)) process.exitCode = 1
  } finally {
    await store.close()
    await rm(work, { recursive: true, force: true })
  }
}

void main()
