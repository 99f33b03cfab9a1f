// Run by killed-mid-commit.test.ts in a process of its own (`node --import tsx`): a job of client0
// uploads the model in <home>/weights/client0 exactly as the app's uploading stage does, tracked
// in the run history, with every server-side copy of the commit held back for a while so the test
// can kill the process between two copies. Prints `job <id>`, then `copied <key>` after each copy.

import { DEFAULT_TRAIN_PARAMS } from '../../src-shared/train-params'
import { modelBucketName } from '../../src-shared/client-names'
import { localPaths } from '../../src-main/config/settings'
import { Job, newJobId } from '../../src-main/jobs/job'
import { RunHistory } from '../../src-main/jobs/run-history'
import { storeModel } from '../../src-main/jobs/store-model'
import { createS3Client } from '../../src-main/storage/s3-client'

function env(name: string): string {
  const value = process.env[name]
  if (value === undefined) throw new Error(`${name} is not set`)
  return value
}

const home = env('COMMIT_CHILD_HOME')
const copyDelayMs = Number(env('COMMIT_CHILD_COPY_DELAY_MS'))
const client = 'client0'
const paths = localPaths(home, client)
const s3 = createS3Client({
  endpoint: env('COMMIT_CHILD_S3_ENDPOINT'),
  region: 'us-east-1',
  credentials: JSON.parse(env('COMMIT_CHILD_S3_CREDENTIALS')) as {
    accessKeyId: string
    secretAccessKey: string
  },
})
s3.middlewareStack.add(
  (next, context) => async (args) => {
    if (context.commandName !== 'CopyObjectCommand') return next(args)
    await new Promise((resolve) => setTimeout(resolve, copyDelayMs))
    const output = await next(args)
    process.stdout.write(`copied ${(args.input as { Key?: string }).Key ?? ''}\n`)
    return output
  },
  { step: 'initialize', name: 'holdCopies' },
)

const history = new RunHistory(paths.runs, 0)
const job = Job.create({
  id: newJobId(client),
  client,
  trainType: 'classification',
  params: DEFAULT_TRAIN_PARAMS,
})
history.track(job)
for (const stage of ['syncing', 'validating', 'training', 'exporting'] as const)
  job.transition(stage)
process.stdout.write(`job ${job.id}\n`)
await storeModel(job, {
  s3,
  bucket: modelBucketName('training-server-', client),
  weights: paths.weights,
  journalDir: paths.commits,
  training: 'Succesfull',
})
await history.close()
s3.destroy()
process.stdout.write(`finished ${job.result?.Storing ?? ''}\n`)
