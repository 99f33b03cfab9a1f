import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../../src-shared/seeded-random'
import {
  rleCountsFromString,
  rleCountsToString,
  rleToCompressed,
} from '../../../src-shared/coco-mask/rle-string'

function decoded(text: string): number[] {
  const parsed = rleCountsFromString(text)
  if (!parsed.ok) throw new Error(parsed.reason)
  return Array.from(parsed.counts)
}

describe('compressed RLE strings', () => {
  it('writes small counts as one character each, 48 + count', () => {
    // Counts 0..15 need one 5-bit group whose sign bit (0x10) is clear: '0' + count.
    expect(rleCountsToString([5, 3, 10])).toBe('53:')
  })

  it('writes the fourth count on as the difference to the count two places before', () => {
    // [5, 3, 10, 2]: the fourth count is stored as 2 - 3 = -1. Its two's complement group is
    // 0b11111 = 31; after shifting out 5 bits the rest is -1, all copies of the sign bit that
    // group already carries, so it ends there: character 48 + 31 = 79 = 'O'.
    expect(rleCountsToString([5, 3, 10, 2])).toBe('53:O')
    expect(decoded('53:O')).toEqual([5, 3, 10, 2])
  })

  it('continues a count whose last group would read as negative', () => {
    // 16 = 0b10000: the group 16 has the sign bit set, so a second group must say "positive":
    // 16 | 0x20 = 48 → character 96 '`', then 0 → '0'.
    expect(rleCountsToString([16])).toBe('`0')
    // 32 = 1 × 32 + 0: group 0 continued (0 | 0x20 = 32 → 'P'), then 1 → '1'.
    expect(rleCountsToString([32])).toBe('P1')
    expect(decoded('`0')).toEqual([16])
    expect(decoded('P1')).toEqual([32])
  })

  it('writes a run longer than 2^20 in five groups', () => {
    // 2^21 + 5 = 2 × 32^4 + 5: groups 5, 0, 0, 0 (each continued, + 0x20) and a final 2:
    // 48 + 37 = 'U', 48 + 32 = 'P' three times, then 48 + 2 = '2'. The zero run first is '0'.
    expect(rleCountsToString([0, 2 ** 21 + 5])).toBe('0UPPP2')
    expect(decoded('0UPPP2')).toEqual([0, 2 ** 21 + 5])
  })

  it('writes the 10 × 10 square in the corner of a 20 × 20 image as worked out by hand', () => {
    // The mask starts with a foreground pixel, so the counts are 0, then for columns 0..8 ten
    // foreground and ten background pixels, then column 9's ten foreground pixels and the 10 + 200
    // background pixels after them: [0, 10, 10, 10, 10, …, 10, 210], 21 counts.
    // Characters: 0 → '0', 10 → ':', 10 → ':', then 17 differences of 10 - 10 = 0 → '0' each,
    // then 210 - 10 = 200 = 6 × 32 + 8: group 8 continued (8 | 0x20 = 40 → 'X'), then 6 → '6'.
    const counts = [0, ...Array<number>(19).fill(10), 210]
    const text = `0::${'0'.repeat(17)}X6`
    expect(rleCountsToString(counts)).toBe(text)
    expect(decoded(text)).toEqual(counts)
    const rle = { height: 20, width: 20, counts: Uint32Array.from(counts) }
    expect(rleToCompressed(rle)).toEqual({ size: [20, 20], counts: text })
  })

  it('round-trips random counts, with zero first runs, long runs and up to 2^32 - 1', () => {
    const random = seededRandom(3)
    for (let trial = 0; trial < 300; trial++) {
      const length = Math.floor(random() * 40)
      const counts: number[] = []
      for (let i = 0; i < length; i++) {
        const scale = [2, 40, 2 ** 12, 2 ** 22, 2 ** 32][Math.floor(random() * 5)] as number
        counts.push(i === 0 && random() < 0.3 ? 0 : Math.floor(random() * scale))
      }
      if (trial === 0) counts.splice(0, counts.length, 2 ** 32 - 1, 0, 2 ** 32 - 1, 1)
      expect(decoded(rleCountsToString(counts))).toEqual(counts)
    }
  })

  it('reads the empty string as no counts', () => {
    expect(rleCountsToString([])).toBe('')
    expect(decoded('')).toEqual([])
  })

  it('refuses characters outside the range, cut-off counts and negative counts', () => {
    expect(rleCountsFromString('5 3').ok).toBe(false)
    expect(rleCountsFromString('53p').ok).toBe(false)
    // 'P' (0x20 set) says another group follows, and none does.
    expect(rleCountsFromString('53P').ok).toBe(false)
    // 'O' is -1 on its own: a first count cannot be negative.
    expect(rleCountsFromString('O').ok).toBe(false)
    // Differences that take a count below zero: 2 - 3 would be fine, 2 + (-3) is not.
    expect(rleCountsFromString('52:M').ok).toBe(false)
    expect(rleCountsFromString('P'.repeat(11) + '1').ok).toBe(false)
  })
})
