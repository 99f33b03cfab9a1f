// Client names become parts of S3 bucket names and local folder names, so one rule keeps both
// safe: lower-case letters, digits and inner hyphens, and the composed bucket names must stay
// valid S3 names (3..63 characters). A name may not start with `model-`: its dataset bucket
// `<prefix>model-<x>` would be client x's model bucket.

export const DEFAULT_BUCKET_PREFIX = 'training-server-'

const CLIENT_NAME = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/
/** What model bucket names put between the prefix and the client. */
const MODEL_INFIX = 'model-'
const BUCKET_NAME = /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/

export function datasetBucketName(prefix: string, client: string): string {
  return `${prefix}${client}`
}

export function modelBucketName(prefix: string, client: string): string {
  return `${prefix}${MODEL_INFIX}${client}`
}

/** Beginnings and endings S3 reserves for its own kinds of bucket names (aliases, directories). */
const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-']
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '--x-s3', '--table-s3', '.mrap']

/** True for a name S3 accepts for a bucket (the subset we create: no dots next to each other, no IP form). */
export function isValidBucketName(name: string): boolean {
  return (
    name.length >= 3 &&
    name.length <= 63 &&
    BUCKET_NAME.test(name) &&
    !name.includes('..') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name) &&
    !RESERVED_PREFIXES.some((prefix) => name.startsWith(prefix)) &&
    !RESERVED_SUFFIXES.some((suffix) => name.endsWith(suffix))
  )
}

/** Why a client name is refused, or undefined when it is acceptable under this prefix. */
export function clientNameProblem(client: string, prefix: string): string | undefined {
  if (client.length === 0) return 'is empty'
  if (!CLIENT_NAME.test(client)) return 'may hold only lower-case letters, digits and inner hyphens'
  if (client.startsWith(MODEL_INFIX))
    return `may not start with "${MODEL_INFIX}": its dataset bucket "${datasetBucketName(prefix, client)}" would be the model bucket of client "${client.slice(MODEL_INFIX.length)}"`
  if (modelBucketName(prefix, client).length > 63)
    return `makes bucket names longer than 63 characters with prefix "${prefix}"`
  if (!isValidBucketName(modelBucketName(prefix, client)))
    return `makes an invalid bucket name with prefix "${prefix}"`
  if (!isValidBucketName(datasetBucketName(prefix, client)))
    return `makes an invalid bucket name with prefix "${prefix}"`
  return undefined
}

/** The client a dataset bucket belongs to, or undefined for buckets that are not client datasets. */
export function clientOfBucket(bucket: string, prefix: string): string | undefined {
  if (!bucket.startsWith(prefix)) return undefined
  const client = bucket.slice(prefix.length)
  // Model buckets (`<prefix>model-<x>`) are refused as client names, so never listed as datasets.
  return clientNameProblem(client, prefix) === undefined ? client : undefined
}
