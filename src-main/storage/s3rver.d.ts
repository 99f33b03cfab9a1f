// The part of s3rver 3.7's API the embedded store uses (the package ships no type declarations).

declare module 's3rver' {
  import type { IncomingMessage, ServerResponse } from 'node:http'

  interface S3rverOptions {
    address?: string
    port?: number
    silent?: boolean
    directory?: string
    resetOnClose?: boolean
    allowMismatchedSignatures?: boolean
    vhostBuckets?: boolean
    configureBuckets?: { name: string; configs?: (string | Buffer)[] }[]
  }

  interface S3rverLogger {
    exceptions: { unhandle(): void }
    close(): void
  }

  class S3rver {
    constructor(options?: S3rverOptions)
    logger: S3rverLogger
    /** The Koa request listener, for mounting on a server the caller owns. */
    callback(): (req: IncomingMessage, res: ServerResponse) => void
    run(): Promise<{ address: string; port: number }>
    close(): Promise<void>
  }

  export default S3rver
}
