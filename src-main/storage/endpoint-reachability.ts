// Whether anything listens at an S3 endpoint's host and port, by a bare TCP connect. The SDK
// resolves credentials before it touches the network, so a store that is down would otherwise be
// reported as missing credentials; a connect answers the more basic question first.

import { connect } from 'node:net'

export type Reachability = { reachable: true } | { reachable: false; networkCode: string }

export function endpointReachability(endpoint: string, timeoutMs: number): Promise<Reachability> {
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    return Promise.resolve({ reachable: false, networkCode: 'EINVAL' })
  }
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80)
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  return new Promise((resolve) => {
    const socket = connect({ host, port })
    const done = (answer: Reachability): void => {
      socket.destroy()
      resolve(answer)
    }
    socket.setTimeout(timeoutMs, () => done({ reachable: false, networkCode: 'ETIMEDOUT' }))
    socket.once('connect', () => done({ reachable: true }))
    socket.once('error', (err: NodeJS.ErrnoException) =>
      done({ reachable: false, networkCode: err.code ?? 'ECONNREFUSED' }),
    )
  })
}
