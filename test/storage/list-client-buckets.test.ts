import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listClientBuckets } from '../../src-main/storage/list-client-buckets'
import { startStore, type StoreFixture } from './store-fixture'

let store: StoreFixture
beforeAll(async () => {
  store = await startStore()
})
afterAll(() => store.close())

describe('listClientBuckets', () => {
  it('lists dataset buckets by client, leaving out model and foreign buckets', async () => {
    for (const bucket of [
      'training-server-zeta',
      'training-server-alpha',
      'training-server-model-alpha',
      'training-server-model-model-alpha',
      'training-server-models',
      'training-server-a.b',
      'other-bucket',
      'training-server-beta-2',
    ])
      await store.createBucket(bucket)
    expect(await listClientBuckets(store.s3, 'training-server-')).toEqual([
      { client: 'alpha', bucket: 'training-server-alpha' },
      { client: 'beta-2', bucket: 'training-server-beta-2' },
      { client: 'models', bucket: 'training-server-models' },
      { client: 'zeta', bucket: 'training-server-zeta' },
    ])
    expect(await listClientBuckets(store.s3, 'other-')).toEqual([
      { client: 'bucket', bucket: 'other-bucket' },
    ])
  })
})
