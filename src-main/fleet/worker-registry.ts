// Which fleet workers are alive and what each does, for the UI: each worker keeps one Redis key
// with a TTL and refreshes it; a worker that dies simply lets its key expire. Redis' own expiry is
// the heartbeat, so there is nothing to sweep.

import type { Redis } from 'ioredis'
import type { FleetWorkerView } from '../../src-shared/fleet-workers'
import { WORKER_KEY_PREFIX, workerKey } from './fleet-keys'

export const REGISTRY_REFRESH_MS = 5000
const REGISTRY_TTL_S = 15

export async function announceWorker(redis: Redis, view: FleetWorkerView): Promise<void> {
  await redis.set(workerKey(view.id), JSON.stringify(view), 'EX', REGISTRY_TTL_S)
}

export async function withdrawWorker(redis: Redis, id: string): Promise<void> {
  await redis.del(workerKey(id))
}

/** Every worker whose key has not expired, by id. */
export async function listWorkers(redis: Redis): Promise<FleetWorkerView[]> {
  const keys: string[] = []
  let cursor = '0'
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${WORKER_KEY_PREFIX}*`, 'COUNT', 200)
    cursor = next
    keys.push(...found)
  } while (cursor !== '0')
  if (keys.length === 0) return []
  const values = await redis.mget(...keys)
  return values
    .filter((value): value is string => value !== null)
    .map((value) => JSON.parse(value) as FleetWorkerView)
    .sort((a, b) => a.id.localeCompare(b.id))
}
