// Distributed mode needs a store every worker reaches. The embedded store listens on 127.0.0.1
// only (storage/embedded-s3.ts has no bind setting), so a fleet with it could only ever run on
// this one machine while looking like a fleet: refused at start, with the way out in the message.

import { AppFailure, appError } from '../../src-shared/errors'
import type { Settings } from '../config/settings'

export function checkFleetStore(settings: Settings): void {
  if (!settings.fleet || !settings.s3.embedded) return
  throw new AppFailure(
    appError(
      'FLEET_STORE_NOT_SHARED',
      'distributed mode (TRAINING_SERVER_REDIS_URL) needs an S3 store every worker reaches, and ' +
        'the embedded store is bound to 127.0.0.1; set AWS_ENDPOINT_URL (or s3Endpoint) to ' +
        'AWS S3, MinIO or another shared store',
      { field: 's3Endpoint' },
    ),
  )
}
