// The one seeded random source (data order in training, the demo dataset, seeded tests): the same
// seed gives the same sequence on every platform, so runs and generated data are reproducible.

/** A seeded stream whose position can be read and set again, so a paused run continues it. */
export interface SeededRandom {
  (): number
  /** The 32-bit state: a stream restored to it yields what this one yields next. */
  state: number
}

/** mulberry32: 32-bit state, uniform floats in [0, 1), identical on every platform. */
export function seededRandom(seed: number): SeededRandom {
  const next = (() => {
    next.state = (next.state + 0x6d2b79f5) >>> 0
    let t = next.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }) as SeededRandom
  next.state = seed >>> 0
  return next
}

/** Fisher–Yates shuffle in place. */
export function shuffleInPlace<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const item = items[i] as T
    items[i] = items[j] as T
    items[j] = item
  }
  return items
}
