// How the UI tests' stand-in for Electron's IPC carries a payload between the page and Node once
// structured clone has had its say: a JSON text that keeps what structured clone keeps and JSON
// alone would not (bytes, undefined, NaN, dates, maps, sets, errors). Runs on both ends, so it
// uses no Node and no DOM.

type Wire =
  | null
  | boolean
  | string
  | number
  | Wire[]
  | { $: 'object'; entries: [string, Wire][] }
  | { $: 'undefined' }
  | { $: 'number'; text: string }
  | { $: 'bigint'; text: string }
  | { $: 'date'; time: number }
  | { $: 'bytes'; base64: string }
  | { $: 'map'; entries: [Wire, Wire][] }
  | { $: 'set'; values: Wire[] }
  | { $: 'error'; name: string; message: string }

function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i)
  return bytes
}

function toWire(value: unknown): Wire {
  if (value === undefined) return { $: 'undefined' }
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value
  if (typeof value === 'number')
    return Number.isFinite(value) && !Object.is(value, -0)
      ? value
      : { $: 'number', text: String(value) }
  if (typeof value === 'bigint') return { $: 'bigint', text: value.toString() }
  if (Array.isArray(value)) return value.map(toWire)
  if (value instanceof Uint8Array) return { $: 'bytes', base64: toBase64(value) }
  if (value instanceof Date) return { $: 'date', time: value.getTime() }
  if (value instanceof Map)
    return { $: 'map', entries: [...value].map(([k, v]) => [toWire(k), toWire(v)]) }
  if (value instanceof Set) return { $: 'set', values: [...value].map(toWire) }
  if (value instanceof Error) return { $: 'error', name: value.name, message: value.message }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
    return {
      $: 'object',
      entries: Object.entries(value).map(([k, v]) => [k, toWire(v)]),
    }
  // Structured clone ran first, so anything else is a kind the app never sends: say so loudly.
  throw new TypeError(`the test channel cannot carry ${Object.prototype.toString.call(value)}`)
}

function fromWire(wire: Wire): unknown {
  if (wire === null || typeof wire !== 'object') return wire
  if (Array.isArray(wire)) return wire.map(fromWire)
  switch (wire.$) {
    case 'object':
      return Object.fromEntries(wire.entries.map(([k, v]) => [k, fromWire(v)]))
    case 'undefined':
      return undefined
    case 'number':
      return Number(wire.text)
    case 'bigint':
      return BigInt(wire.text)
    case 'date':
      return new Date(wire.time)
    case 'bytes':
      return fromBase64(wire.base64)
    case 'map':
      return new Map(wire.entries.map(([k, v]) => [fromWire(k), fromWire(v)]))
    case 'set':
      return new Set(wire.values.map(fromWire))
    case 'error':
      return Object.assign(new Error(wire.message), { name: wire.name })
  }
}

/** Structured clone (which refuses functions and drops prototypes, as Electron's IPC does), then text. */
export function encodeIpcPayload(value: unknown): string {
  return JSON.stringify(toWire(structuredClone(value)))
}

export function decodeIpcPayload(text: string): unknown {
  return fromWire(JSON.parse(text) as Wire)
}
