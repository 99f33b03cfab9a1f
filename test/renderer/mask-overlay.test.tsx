// @vitest-environment jsdom
import { cleanup, render } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { MaskOverlay } from '../../src-renderer/components/mask-overlay'
import { maskPath, maskSpans } from '../../src-renderer/components/mask-path'
import { rleFromBox, rleFromPolygon } from '../../src-shared/coco-mask/polygon-to-rle'
import { rleArea, rleDecode } from '../../src-shared/coco-mask/rle'
import { rleToCompressed } from '../../src-shared/coco-mask/rle-string'

afterEach(cleanup)

describe('masks as SVG paths', () => {
  it('covers a rectangle with one span', () => {
    const mask = rleToCompressed(rleFromBox([3, 2, 5, 4], 10, 12))
    expect(maskSpans(mask)).toEqual([{ x: 3, y: 2, width: 5, height: 4 }])
    expect(maskPath(mask)).toBe('M3 2h5v4h-5z')
  })

  it('covers exactly the mask’s pixels, for any shape', () => {
    const rle = rleFromPolygon([2, 1, 18, 4, 9, 15, 4, 12], 16, 20)
    const pixels = rleDecode(rle)
    const covered = new Uint8Array(pixels.length)
    for (const s of maskSpans(rleToCompressed(rle)))
      for (let x = s.x; x < s.x + s.width; x++)
        for (let y = s.y; y < s.y + s.height; y++)
          covered[x * 16 + y] = (covered[x * 16 + y] ?? 0) + 1
    expect(Array.from(covered)).toEqual(Array.from(pixels))
    expect(rleArea(rle)).toBeGreaterThan(50)
  })

  it('draws each mask in its colour, outlined for ground truth', () => {
    const mask = rleToCompressed(rleFromBox([0, 0, 4, 4], 8, 8))
    const { container } = render(
      <MaskOverlay
        width={8}
        height={8}
        masks={[
          { mask, colour: '#e6194b', label: 'disc 0.91' },
          { mask, colour: '#3cb44b', label: 'disc', outlined: true },
        ]}
      />,
    )
    const paths = container.querySelectorAll('path')
    expect(paths).toHaveLength(2)
    expect(paths[0]?.getAttribute('fill')).toBe('#e6194b')
    expect(paths[1]?.getAttribute('fill')).toBe('none')
    expect(paths[1]?.getAttribute('stroke')).toBe('#3cb44b')
    expect(container.querySelector('svg')?.getAttribute('viewBox')).toBe('0 0 8 8')
  })
})
