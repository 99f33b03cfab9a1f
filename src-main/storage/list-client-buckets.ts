// Which clients have a dataset in the store: every bucket named `<prefix><client>` with a valid
// client name. Model buckets (`<prefix>model-<client>`) and unrelated buckets are left out.

import { ListBucketsCommand, type S3Client } from '@aws-sdk/client-s3'
import { clientOfBucket } from '../../src-shared/client-names'
import { AppFailure } from '../../src-shared/errors'
import { describeS3Error } from './s3-client'

export async function listClientBuckets(
  s3: S3Client,
  prefix: string,
): Promise<{ client: string; bucket: string }[]> {
  const found = new Map<string, string>()
  let token: string | undefined
  try {
    do {
      const page = await s3.send(
        new ListBucketsCommand({
          ...(prefix ? { Prefix: prefix } : {}),
          ...(token ? { ContinuationToken: token } : {}),
        }),
      )
      for (const { Name } of page.Buckets ?? []) {
        const client = Name === undefined ? undefined : clientOfBucket(Name, prefix)
        if (Name !== undefined && client !== undefined) found.set(client, Name)
      }
      token = page.ContinuationToken
    } while (token)
  } catch (err) {
    throw new AppFailure(describeS3Error(err, {}))
  }
  return [...found]
    .map(([client, bucket]) => ({ client, bucket }))
    .sort((a, b) => (a.client < b.client ? -1 : a.client > b.client ? 1 : 0))
}
