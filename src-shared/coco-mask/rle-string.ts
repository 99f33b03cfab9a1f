// COCO's compressed RLE: the counts written as a string, and the `{size, counts}` JSON object
// of annotations and detection results.
//
// Each count becomes a little-endian sequence of 5-bit groups, one character per group, in the
// ASCII range 48..111 ('0'..'o'): bit 0x20 of a character says another group follows, and bit
// 0x10 of the last group is the sign (the value is two's complement). From the fourth count on
// the string holds the difference to the count two places earlier rather than the count itself:
// background runs tend to resemble background runs and foreground runs foreground runs, so the
// differences are small and most counts fit in one character.
//
// Arithmetic is done with numbers rather than JavaScript's 32-bit bit operators, because a count
// can reach height * width (up to 2^32 - 1) and a difference can be negative.

import type { Rle } from './rle'

/** The JSON form of a compressed RLE, as in COCO annotations and results. */
export interface CompressedRle {
  /** `[height, width]`. */
  size: [number, number]
  counts: string
}

export type CountsParse = { ok: true; counts: Uint32Array } | { ok: false; reason: string }

const FIRST_CHAR = 48
const LAST_CHAR = FIRST_CHAR + 63
// Beyond 10 groups (50 bits) a value cannot be a 32-bit count, and numbers would lose precision.
const MAX_GROUPS = 10
const MAX_COUNT = 2 ** 32 - 1

/** The compressed string of run lengths. */
export function rleCountsToString(counts: ArrayLike<number>): string {
  const chars: number[] = []
  for (let i = 0; i < counts.length; i++) {
    let value = counts[i] as number
    if (i > 2) value -= counts[i - 2] as number
    let more = true
    while (more) {
      let group = ((value % 32) + 32) % 32
      // Floor division is the arithmetic shift: it keeps the sign, so -1 stays -1.
      value = Math.floor(value / 32)
      // Stop once the remaining bits are all copies of the sign bit this group already carries.
      more = (group & 0x10) !== 0 ? value !== -1 : value !== 0
      if (more) group |= 0x20
      chars.push(group + FIRST_CHAR)
    }
  }
  // Chunked, since spreading a very long array into one call can exceed the argument limit.
  let text = ''
  for (let at = 0; at < chars.length; at += 8192)
    text += String.fromCharCode(...chars.slice(at, at + 8192))
  return text
}

/** Run lengths from a compressed string, or why the string is not one. */
export function rleCountsFromString(text: string): CountsParse {
  const counts: number[] = []
  let at = 0
  while (at < text.length) {
    let value = 0
    let groups = 0
    let more = true
    while (more) {
      if (at >= text.length)
        return {
          ok: false,
          reason: 'the string ends inside a count (its last character continues)',
        }
      const code = text.charCodeAt(at)
      if (code < FIRST_CHAR || code > LAST_CHAR)
        return { ok: false, reason: `character ${at} is outside COCO's range '0'..'o'` }
      const group = code - FIRST_CHAR
      value += (group & 0x1f) * 32 ** groups
      more = (group & 0x20) !== 0
      at++
      groups++
      if (groups > MAX_GROUPS) return { ok: false, reason: 'a count is too long' }
      // Sign extension: the value so far is below 32^groups, so subtracting it makes it negative.
      if (!more && (group & 0x10) !== 0) value -= 32 ** groups
    }
    if (counts.length > 2) value += counts[counts.length - 2] as number
    if (value < 0 || value > MAX_COUNT)
      return { ok: false, reason: `count ${counts.length} is outside 0..2^32-1` }
    counts.push(value)
  }
  return { ok: true, counts: Uint32Array.from(counts) }
}

/** The JSON form of an RLE (what annotation files and detection results hold). */
export function rleToCompressed(rle: Rle): CompressedRle {
  return { size: [rle.height, rle.width], counts: rleCountsToString(rle.counts) }
}
