// Boxes drawn over an image as an SVG in the image's own pixels: the browser scales it with the
// picture, so thumbnails are never re-encoded to show boxes. `cover` matches the square, centre-
// cropped thumbnails; `fill` an image shown whole at its own aspect ratio.

import type { ClassColours } from './class-colours'

export interface OverlayBox {
  categoryId: number
  /** [x, y, w, h] in the image's pixels. */
  bbox: [number, number, number, number]
  /**
   * A dataset's annotation is solid (a crowd region dashed); beside predictions, ground truth is
   * dashed (a crowd region dotted) and predictions solid.
   */
  kind: 'annotation' | 'truth' | 'predicted'
  iscrowd?: 0 | 1
  /** Shown at the box's corner when labels are on. */
  label?: string
}

export interface BoxOverlayProps {
  width: number
  height: number
  boxes: OverlayBox[]
  colours: ClassColours
  fit: 'cover' | 'fill'
  labels?: boolean
  className?: string
}

function dashOf(box: OverlayBox): string | undefined {
  if (box.kind === 'annotation') return box.iscrowd === 1 ? '5 3' : undefined
  if (box.iscrowd === 1) return '2 3'
  return box.kind === 'truth' ? '5 3' : undefined
}

export function BoxOverlay({
  width,
  height,
  boxes,
  colours,
  fit,
  labels = false,
  className = 'box-overlay',
}: BoxOverlayProps) {
  if (!(width > 0 && height > 0) || boxes.length === 0) return null
  // Text in image pixels: a fixed share of the image, so it reads the same at any size.
  const fontSize = Math.max(width, height) * 0.045
  return (
    <svg
      className={className}
      viewBox={`0 0 ${width} ${height}`}
      preserveAspectRatio={fit === 'cover' ? 'xMidYMid slice' : 'none'}
      aria-hidden="true"
      focusable="false"
    >
      {boxes.map((box, index) => {
        const [x, y, w, h] = box.bbox
        const colour = colours(box.categoryId)
        const dash = dashOf(box)
        return (
          <g
            key={index}
            className="overlay-box"
            data-kind={box.kind}
            data-category={box.categoryId}
            data-crowd={box.iscrowd === 1 ? 'true' : undefined}
          >
            <rect
              className="overlay-halo"
              x={x}
              y={y}
              width={w}
              height={h}
              vectorEffect="non-scaling-stroke"
            />
            <rect
              x={x}
              y={y}
              width={w}
              height={h}
              fill="none"
              stroke={colour}
              strokeDasharray={dash}
              vectorEffect="non-scaling-stroke"
            />
            {labels && box.label && (
              <text
                className="overlay-label"
                x={x + fontSize * 0.2}
                y={Math.max(y - fontSize * 0.25, fontSize)}
                fontSize={fontSize}
                strokeWidth={fontSize * 0.2}
                fill={colour}
              >
                {box.label}
              </text>
            )}
          </g>
        )
      })}
    </svg>
  )
}
