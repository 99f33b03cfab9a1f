// The promise the README makes about the embedded store: the user's own AWS CLI works against it
// with the per-install credentials, and nothing works without them. The real `aws` program is
// run; it is a test prerequisite (Debian's awscli), so its absence fails here, never skips.

import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startStore, type StoreFixture } from './store-fixture'

const run = promisify(execFile)
const BUCKET = 'training-server-cli'

let store: StoreFixture

interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs `aws s3 …` against the store; only the variables given here reach it. */
async function aws(args: string[], secret = store.credentials.secretAccessKey): Promise<CliResult> {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    AWS_ACCESS_KEY_ID: store.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: secret,
    AWS_REGION: 'us-east-1',
    // No profile, config file or instance metadata may stand in for the credentials above.
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  }
  try {
    const { stdout, stderr } = await run('aws', [...args, '--endpoint-url', store.endpoint], {
      env,
      timeout: 30_000,
    })
    return { code: 0, stdout, stderr }
  } catch (thrown) {
    const failed = thrown as NodeJS.ErrnoException & { stdout?: string; stderr?: string }
    if (failed.code === 'ENOENT')
      throw new Error('the AWS CLI is needed for this test: sudo apt-get install awscli', {
        cause: thrown,
      })
    return {
      code: typeof failed.code === 'number' ? failed.code : 1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
    }
  }
}

beforeAll(async () => {
  store = await startStore()
  await store.createBucket(BUCKET)
  await store.put(BUCKET, 'coco/annotations.json', '{"images":[]}')
})
afterAll(() => store.close())

describe('the AWS CLI against the embedded store', () => {
  it('lists, uploads, downloads and deletes with the per-install credentials', async () => {
    const buckets = await aws(['s3', 'ls'])
    expect(buckets.stderr).toBe('')
    expect(buckets.stdout).toContain(BUCKET)

    const folder = await store.tempDir()
    await writeFile(join(folder, 'cat.jpg'), 'not really a jpeg')
    const upload = await aws(['s3', 'cp', join(folder, 'cat.jpg'), `s3://${BUCKET}/images/cat.jpg`])
    expect(upload.code).toBe(0)

    const listing = await aws(['s3', 'ls', `s3://${BUCKET}`, '--recursive'])
    expect(listing.stdout).toContain('coco/annotations.json')
    expect(listing.stdout).toContain('images/cat.jpg')

    const download = await aws(['s3', 'cp', `s3://${BUCKET}/coco/annotations.json`, '-'])
    expect(download.stdout).toBe('{"images":[]}')

    expect((await aws(['s3', 'rm', `s3://${BUCKET}/images/cat.jpg`])).code).toBe(0)
    expect((await aws(['s3', 'ls', `s3://${BUCKET}`, '--recursive'])).stdout).not.toContain(
      'cat.jpg',
    )
  })

  it('is refused with any other secret', async () => {
    const refused = await aws(['s3', 'ls', `s3://${BUCKET}`], 'A'.repeat(40))
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain('SignatureDoesNotMatch')
    const folder = await store.tempDir()
    await writeFile(join(folder, 'intruder.jpg'), 'planted')
    const upload = await aws(
      ['s3', 'cp', join(folder, 'intruder.jpg'), `s3://${BUCKET}/images/intruder.jpg`],
      'B'.repeat(40),
    )
    expect(upload.code).not.toBe(0)
    const listing = await aws(['s3', 'ls', `s3://${BUCKET}`, '--recursive'])
    expect(listing.stdout).not.toContain('intruder')
  })
})
