// Reading the Accept header and browser fetch metadata: which format a caller wants.

import type { IncomingMessage } from 'node:http'

interface MediaRange {
  type: string
  q: number
  order: number
}

function mediaRanges(accept: string): MediaRange[] {
  return accept
    .split(',')
    .map((part, order) => {
      const [type = '', ...params] = part.trim().toLowerCase().split(';')
      const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
      const q = qParam === undefined ? 1 : Number(qParam.slice(2))
      return { type: type.trim(), q: Number.isFinite(q) ? q : 0, order }
    })
    .filter((range) => range.type !== '')
}

/** How much the caller accepts a media type (0 when not at all), with the most specific range winning. */
function quality(ranges: MediaRange[], type: string): number {
  const [major] = type.split('/')
  const exact = ranges.find((r) => r.type === type)
  if (exact) return exact.q
  const wildcard =
    ranges.find((r) => r.type === `${major}/*`) ?? ranges.find((r) => r.type === '*/*')
  return wildcard?.q ?? 0
}

/** True when the caller ranks HTML above JSON (a browser tab); ties go to JSON. */
export function prefersHtml(req: IncomingMessage): boolean {
  const ranges = mediaRanges(req.headers.accept ?? '')
  return quality(ranges, 'text/html') > quality(ranges, 'application/json')
}

export function wantsEventStream(req: IncomingMessage): boolean {
  const ranges = mediaRanges(req.headers.accept ?? '')
  return ranges.some((r) => r.type === 'text/event-stream' && r.q > 0)
}

/**
 * A page load in a browser tab. Browsers download application/x-ndjson instead of showing it, so
 * such callers get the same lines as text/plain, which they render as the lines arrive.
 */
export function isBrowserNavigation(req: IncomingMessage): boolean {
  const dest = req.headers['sec-fetch-dest']
  if (dest !== undefined) return dest === 'document' || dest === 'iframe'
  return prefersHtml(req)
}
