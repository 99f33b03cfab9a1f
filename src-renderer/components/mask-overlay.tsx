// Object masks drawn over an image: one translucent SVG path per mask in its class colour, in a
// viewBox of the image's own pixels so the overlay stretches with the image it covers.

import type { CompressedRle } from '../../src-shared/coco-mask/rle-string'
import { maskPath } from './mask-path'

export interface OverlayMask {
  mask: CompressedRle
  colour: string
  /** Shown as a tooltip: the class, and the score of a predicted mask. */
  label: string
  /** Ground truth drawn for comparison: outlined rather than filled. */
  outlined?: boolean
}

export interface MaskOverlayProps {
  width: number
  height: number
  masks: readonly OverlayMask[]
}

export function MaskOverlay({ width, height, masks }: MaskOverlayProps) {
  return (
    <svg
      className="mask-overlay"
      viewBox={`0 0 ${width} ${height}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={`${masks.length} mask${masks.length === 1 ? '' : 's'}`}
    >
      {masks.map((m, i) => (
        <path
          key={i}
          d={maskPath(m.mask)}
          fill={m.outlined ? 'none' : m.colour}
          fillOpacity={m.outlined ? undefined : 0.45}
          stroke={m.outlined ? m.colour : undefined}
          strokeWidth={m.outlined ? 1 : undefined}
          strokeDasharray={m.outlined ? '2 1' : undefined}
          vectorEffect="non-scaling-stroke"
          data-mask-label={m.label}
        >
          <title>{m.label}</title>
        </path>
      ))}
    </svg>
  )
}
