// Model versions with real jobs against the embedded store: each run's set is kept under
// runs/<job id>/, a worse model on the same validation images is not promoted (and the result says
// why), promote=always and promote=never override, the versions list names every run with its
// keys, and promoting an older version makes the whole root set that version's.

import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ModelFile, JobResult } from '../../src-shared/job-events'
import type { ModelVersion } from '../../src-shared/model-versions'
import { rawRequest, startTestServer, type TestServer } from '../http/server-fixture'
import { classificationMetrics } from '../../src-shared/tasks/task-metrics'

const CLIENT = 'client5'
const BUCKET = `training-server-model-${CLIENT}`
/** Learns the two shapes of the small dataset (100% on its validation images). */
const GOOD =
  'epochs=10&image_size=32&batch_size=8&augment=false&patience=0&architecture=reference&learning_rate=0.001'
/** Barely moves from its initial weights. */
const BAD = 'epochs=1&image_size=32&batch_size=8&augment=false&learning_rate=0.000001'

function lastLine(text: string): JobResult {
  return JSON.parse(text.trimEnd().split('\n').at(-1) ?? '') as JobResult
}

describe('model versions', () => {
  let server: TestServer
  const train = async (params: string): Promise<JobResult> => {
    const res = await rawRequest(
      server.port,
      `/progress?train_type=classification&bucket_name=${CLIENT}&${params}`,
    )
    expect(res.status).toBe(200)
    const result = lastLine(res.text)
    expect(result).toMatchObject({ state: 'done', Storing: 'Succesfull' })
    return result
  }
  const etag = async (key: string) =>
    (await server.core.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).ETag
  const rootMetrics = async () => {
    const got = await server.core.s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: 'metrics.json' }),
    )
    return JSON.parse(await got.Body!.transformToString('utf8')) as { jobId?: string }
  }
  const versions = async () => {
    const res = await rawRequest(server.port, `/api/clients/${CLIENT}/versions`)
    expect(res.status).toBe(200)
    return res.json<ModelVersion[]>()
  }
  /** Every file of the version is at the root with the same bytes. */
  const expectRootIs = async (version: ModelVersion) => {
    expect(version.files.length).toBeGreaterThanOrEqual(5)
    for (const file of version.files)
      expect(await etag(file.key.slice(version.prefix.length))).toBe(await etag(file.key))
    expect((await rootMetrics()).jobId).toBe(version.jobId)
  }

  let good: JobResult
  let bad: JobResult

  beforeAll(async () => {
    server = await startTestServer()
    await server.seedClient(CLIENT, { classes: 2, imagesPerClass: 16, size: 40 })
  }, 60_000)
  afterAll(async () => {
    await server?.close()
  })

  it('keeps a worse model under its run and the good one at the root, saying why', async () => {
    good = await train(GOOD)
    expect(good).toMatchObject({
      promoted: true,
      promotion: { reason: 'the bucket held no model' },
    })
    bad = await train(BAD)
    const goodAccuracy = classificationMetrics(good.metrics)?.finalValAccuracy ?? NaN
    const badAccuracy = classificationMetrics(bad.metrics)?.finalValAccuracy ?? NaN
    // The premise: the second run really is worse on the same validation images.
    expect(badAccuracy).toBeLessThan(goodAccuracy)
    expect(bad.metrics?.validationSet?.id).toBe(good.metrics?.validationSet?.id)
    expect(bad.promoted).toBe(false)
    expect(bad.promotion).toMatchObject({
      reason: expect.stringContaining('worse than the stored model on the same validation images'),
      new: { jobId: bad.jobId, valAccuracy: badAccuracy },
      stored: { jobId: good.jobId, valAccuracy: goodAccuracy },
    })
    const badKeys = (bad.modelKeys ?? []).map((f) => f.key)
    expect(badKeys).toEqual(
      expect.arrayContaining([`runs/${bad.jobId}/model.h5`, `runs/${bad.jobId}/metrics.json`]),
    )
    expect(badKeys).not.toContain('model.h5')
    expect(await etag('model.h5')).toBe(await etag(`runs/${good.jobId}/model.h5`))
    expect((await rootMetrics()).jobId).toBe(good.jobId)
  }, 300_000)

  it('lists every version with its keys, and the stored model without them', async () => {
    const list = await versions()
    expect(list.map((v) => [v.jobId, v.promoted])).toEqual([
      [bad.jobId, false],
      [good.jobId, true],
    ])
    const [newest] = list
    expect(newest?.prefix).toBe(`runs/${bad.jobId}/`)
    expect(newest?.files.map((f) => f.key)).toEqual(
      expect.arrayContaining([
        `runs/${bad.jobId}/model.h5`,
        `runs/${bad.jobId}/model.json`,
        `runs/${bad.jobId}/labels.json`,
      ]),
    )
    expect(newest?.metrics?.finalValAccuracy).toBe(
      classificationMetrics(bad.metrics)?.finalValAccuracy,
    )
    expect(newest?.storedAt).toEqual(expect.any(String))
    const stored = (await rawRequest(server.port, `/api/clients/${CLIENT}/models`)).json<
      ModelFile[]
    >()
    expect(stored.map((f) => f.key)).toContain('model.h5')
    expect(
      stored.filter((f) => f.key.startsWith('runs/') || f.key.startsWith('.staging/')),
    ).toEqual([])
  })

  it('promotes a worse model with promote=always and keeps one out with promote=never', async () => {
    const forced = await train(`${BAD}&promote=always`)
    expect(forced).toMatchObject({ promoted: true, promotion: { reason: 'promote=always' } })
    expect((await rootMetrics()).jobId).toBe(forced.jobId)
    const kept = await train(`${GOOD}&promote=never`)
    expect(kept).toMatchObject({ promoted: false, promotion: { reason: 'promote=never' } })
    expect((await rootMetrics()).jobId).toBe(forced.jobId)
    const refused = await rawRequest(
      server.port,
      `/progress?train_type=classification&bucket_name=${CLIENT}&promote=sometimes`,
    )
    expect(refused.status).toBe(400)
    expect(refused.json()).toMatchObject({ error: { code: 'INVALID_PARAMETER', field: 'promote' } })
  }, 300_000)

  it('promotes an older version back: the root set is all of that version', async () => {
    const res = await rawRequest(
      server.port,
      `/api/clients/${CLIENT}/models/${good.jobId}/promote`,
      { method: 'POST', headers: { 'content-type': 'application/json' } },
    )
    expect(res.status).toBe(200)
    const list = res.json<ModelVersion[]>()
    expect(list.filter((v) => v.promoted).map((v) => v.jobId)).toEqual([good.jobId])
    const version = list.find((v) => v.jobId === good.jobId)
    await expectRootIs(version!)
    const missing = await rawRequest(
      server.port,
      `/api/clients/${CLIENT}/models/${CLIENT}-nope/promote`,
      { method: 'POST', headers: { 'content-type': 'application/json' } },
    )
    expect(missing.status).toBe(404)
    expect(missing.json()).toMatchObject({ error: { code: 'MODEL_VERSION_NOT_FOUND' } })
    // Nothing staged is left behind by either publication.
    const keys = (await server.core.jobs.listModelVersions(CLIENT)).flatMap((v) =>
      v.files.map((f) => f.key),
    )
    expect(keys.every((k) => k.startsWith('runs/'))).toBe(true)
  }, 120_000)
})
