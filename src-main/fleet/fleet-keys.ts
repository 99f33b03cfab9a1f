// The names the fleet shares in Redis: BullMQ's queue (under its own prefix), each job's event
// stream, the interrupt channel and the worker registry. One place, so a server and a worker of
// the same version can never disagree on where a job's log is.

import { Redis, type RedisOptions } from 'ioredis'

export const FLEET_PREFIX = 'training-server'
export const QUEUE_NAME = 'jobs'
export const INTERRUPT_CHANNEL = `${FLEET_PREFIX}:interrupt`
export const WORKER_KEY_PREFIX = `${FLEET_PREFIX}:workers:`

export function eventStreamKey(jobId: string): string {
  return `${FLEET_PREFIX}:events:${jobId}`
}

export function workerKey(workerId: string): string {
  return `${WORKER_KEY_PREFIX}${workerId}`
}

/**
 * A connection that waits out a Redis restart instead of failing commands: BullMQ requires
 * `maxRetriesPerRequest: null` for its blocking calls, and the same keeps an XADD issued while
 * Redis is down in the offline queue until it is back, in order.
 */
export function fleetConnection(redisUrl: string, name: string): Redis {
  const options: RedisOptions = {
    maxRetriesPerRequest: null,
    connectionName: `${FLEET_PREFIX}:${name}`,
    // Back off up to 2 s between attempts: a restarted Redis is found again within that.
    retryStrategy: (times) => Math.min(times * 100, 2000),
  }
  const redis = new Redis(redisUrl, options)
  // ioredis reports every failed reconnect as an 'error' event; without a listener each one
  // would be an unhandled error. Reconnecting is its job, the callers see late replies only.
  redis.on('error', () => undefined)
  return redis
}
