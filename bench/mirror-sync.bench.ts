// Mirror sync of a 2,000-image bucket from the embedded store: training-server's mirrorBucket
// against `aws s3 sync --delete`, each into an empty folder and again with nothing changed.
// Prints one JSON line per measurement, then one summary line per phase (medians, awscli/ours).
//
//   npx tsx bench/mirror-sync.bench.ts [--repeat N] [--objects N] [--no-peer]
//
// awscli is taken from $AWS_CLI, else /usr/bin/aws, else `aws` on PATH; --no-peer leaves it out.

import { PutObjectCommand } from '@aws-sdk/client-s3'
import { spawn, spawnSync } from 'node:child_process'
import { createCipheriv, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pLimit from 'p-limit'
import sharp from 'sharp'
import { startEmbeddedS3 } from '../src-main/storage/embedded-s3'
import { generateStoreCredentials } from '../src-main/storage/store-credentials'
import { mirrorBucket } from '../src-main/storage/mirror-bucket'
import { ensureBucket } from '../src-main/storage/upload-folder'
import { createS3Client } from '../src-main/storage/s3-client'
import { hasFlag, positiveIntegerOption } from './bench-options'
import { median } from './bench-summary'

type Tool = 'training-server' | 'awscli'

const STORE_KEYS = generateStoreCredentials()
type Phase = 'fresh' | 'unchanged'

/**
 * awscli lists with ListObjectsV2, whose continuation tokens s3rver encrypts with DES; OpenSSL 3
 * ships DES only in its legacy provider, so without it the store cannot list past 1,000 keys.
 * Returns true when this process re-ran itself with the provider enabled.
 */
async function rerunWithLegacyCiphers(): Promise<boolean> {
  try {
    createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8))
    return false
  } catch {
    if (process.env.MIRROR_BENCH_CHILD)
      throw new Error('DES is unavailable even with the legacy provider')
  }
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: {
      ...process.env,
      MIRROR_BENCH_CHILD: '1',
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --openssl-legacy-provider`.trim(),
    },
  })
  process.exitCode = await new Promise<number>((resolve) =>
    child.on('exit', (code) => resolve(code ?? 1)),
  )
  return true
}

function awsCli(): string | undefined {
  const candidates = [process.env.AWS_CLI, '/usr/bin/aws', 'aws'].filter(Boolean) as string[]
  return candidates.find((cmd) => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0)
}

/** Distinct small images: random pixels, half PNG, half JPEG, a few KB each. */
async function makeImage(i: number): Promise<{ key: string; body: Buffer }> {
  const size = 32
  const pixels = sharp(randomBytes(size * size * 3), {
    raw: { width: size, height: size, channels: 3 },
  })
  return i % 2 === 0
    ? { key: `images/${String(i).padStart(5, '0')}.png`, body: await pixels.png().toBuffer() }
    : {
        key: `images/${String(i).padStart(5, '0')}.jpg`,
        body: await pixels.jpeg({ quality: 90 }).toBuffer(),
      }
}

async function countFiles(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter((e) => e.isFile()).length
}

function runAwsSync(
  cli: string,
  bucket: string,
  dest: string,
  endpoint: string,
  configDir: string,
): Promise<void> {
  const args = [
    's3',
    'sync',
    `s3://${bucket}`,
    dest,
    '--delete',
    '--endpoint-url',
    endpoint,
    '--only-show-errors',
  ]
  return new Promise((resolve, reject) => {
    const child = spawn(cli, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: STORE_KEYS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: STORE_KEYS.secretAccessKey,
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_REGION: 'us-east-1',
        // Keep a user's own profile and settings out of the measurement.
        AWS_CONFIG_FILE: join(configDir, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: join(configDir, 'credentials'),
      },
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`aws s3 sync exited ${code}: ${stderr.trim()}`)),
    )
  })
}

async function main(): Promise<void> {
  if (await rerunWithLegacyCiphers()) return
  const repeat = positiveIntegerOption('repeat', 3)
  const objects = positiveIntegerOption('objects', 2000)
  const cli = hasFlag('no-peer') ? undefined : awsCli()
  const work = await mkdtemp(join(tmpdir(), 'mirror-bench-'))
  const store = await startEmbeddedS3({
    directory: join(work, 's3'),
    port: 0,
    credentials: STORE_KEYS,
  })
  const s3 = createS3Client({
    endpoint: store.endpoint,
    region: 'us-east-1',
    credentials: STORE_KEYS,
  })
  const bucket = 'training-server-bench'
  const results: { tool: Tool; phase: Phase; ms: number }[] = []
  const record = (tool: Tool, phase: Phase, ms: number, run: number) => {
    results.push({ tool, phase, ms })
    console.log(JSON.stringify({ bench: 'mirror', tool, phase, objects, ms: Math.round(ms), run }))
  }
  const expectFiles = async (dir: string, tool: Tool) => {
    const found = await countFiles(dir)
    if (found !== objects) throw new Error(`${tool} left ${found} files, expected ${objects}`)
  }
  try {
    await ensureBucket(s3, bucket)
    const limit = pLimit(32)
    await Promise.all(
      Array.from({ length: objects }, (_, i) =>
        limit(async () => {
          const { key, body } = await makeImage(i)
          await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))
        }),
      ),
    )
    if (!cli && !hasFlag('no-peer'))
      console.error('awscli not found: only training-server is measured')

    for (let run = 0; run < repeat; run++) {
      const ours = join(work, `ours-${run}`, 'dest')
      for (const phase of ['fresh', 'unchanged'] as const) {
        const started = performance.now()
        await mirrorBucket({ s3, bucket, dest: ours })
        record('training-server', phase, performance.now() - started, run)
        await expectFiles(ours, 'training-server')
      }
      if (!cli) continue
      const theirs = join(work, `awscli-${run}`)
      for (const phase of ['fresh', 'unchanged'] as const) {
        const started = performance.now()
        await runAwsSync(cli, bucket, theirs, store.endpoint, work)
        record('awscli', phase, performance.now() - started, run)
        await expectFiles(theirs, 'awscli')
      }
    }

    for (const phase of ['fresh', 'unchanged'] as const) {
      const of = (tool: Tool) =>
        results.filter((r) => r.tool === tool && r.phase === phase).map((r) => r.ms)
      const ours = median(of('training-server'))
      const theirs = cli ? median(of('awscli')) : undefined
      console.log(
        JSON.stringify({
          bench: 'mirror',
          summary: 'median',
          phase,
          objects,
          runs: repeat,
          medianMs: {
            'training-server': Math.round(ours),
            ...(theirs ? { awscli: Math.round(theirs) } : {}),
          },
          ...(theirs ? { ratioAwscliToOurs: Number((theirs / ours).toFixed(2)) } : {}),
        }),
      )
    }
  } finally {
    s3.destroy()
    await store.close()
    await rm(work, { recursive: true, force: true })
    if (existsSync(work)) console.error(`could not remove ${work}`)
  }
}

await main()
