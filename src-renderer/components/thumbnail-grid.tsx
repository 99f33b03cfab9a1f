// The dataset's images as a virtualised grid of thumbnails: only the rows in view exist in the
// page, so a dataset of tens of thousands of images scrolls as smoothly as one of ten. It is one
// listbox: Tab enters it once, arrow keys, Home and End move the selection. A row asks for its
// thumbnails only once it has stayed in view for a moment and the grid is not being flung, so a
// fast scroll past thousands of images requests those it stops at, not every one it passed.

import { useVirtualizer } from '@tanstack/react-virtual'
import {
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type ReactNode,
} from 'react'
import type { DatasetImage } from '../../src-shared/dataset-view'
import { BoxOverlay } from '../tasks/detection/box-overlay'
import type { ClassColours } from '../tasks/detection/class-colours'
import { useFastScroll } from './fast-scroll'
import { imageLabel } from './image-details'

export interface ThumbnailGridProps {
  images: DatasetImage[]
  selected?: string
  thumbnailUrl: (file: string) => string
  onSelect: (file: string) => void
  label: string
  /** Colours of the classes' boxes, for images whose annotations have boxes. */
  colours?: ClassColours
}

/** Cells stretch to fill the row, from this width up. */
const MIN_CELL = 116
const GAP = 12
/** Label and file name under each thumbnail. */
const CAPTION = 40
/** How long a row stays rendered before its thumbnails load: a scroll passing by is quicker. */
export const ROW_SETTLE_MS = 100

/**
 * True once the calling row has been mounted for `delay` ms while not `paused`, and from then on;
 * a row that leaves before never loads.
 */
function useSettled(delay: number, paused: boolean): boolean {
  const [mounted, setMounted] = useState(false)
  const [settled, setSettled] = useState(false)
  useEffect(() => {
    const timer = setTimeout(() => setMounted(true), delay)
    return () => clearTimeout(timer)
  }, [delay])
  if (mounted && !paused && !settled) setSettled(true)
  return settled
}

/** A row scrolled out of view stops its unfinished downloads: emptying `src` cancels them. */
function abortOnRemoval(img: HTMLImageElement | null): (() => void) | undefined {
  if (!img) return undefined
  return () => {
    if (!img.complete) img.removeAttribute('src')
  }
}

/** One row's images: their sources are set only once the row has settled in view. */
function RowImages({
  images,
  cell,
  thumbnailUrl,
  paused,
  children,
}: {
  images: DatasetImage[]
  cell: number
  /** While the grid is flung, rows wait. */
  paused: boolean
  thumbnailUrl: (file: string) => string
  children: (image: DatasetImage, column: number, img: ReactNode) => ReactNode
}) {
  const settled = useSettled(ROW_SETTLE_MS, paused)
  return (
    <>
      {images.map((image, column) =>
        children(
          image,
          column,
          <img
            ref={abortOnRemoval}
            src={settled ? thumbnailUrl(image.file) : undefined}
            alt=""
            decoding="async"
            width={cell}
            height={cell}
            draggable={false}
          />,
        ),
      )}
    </>
  )
}

export function ThumbnailGrid({
  images,
  selected,
  thumbnailUrl,
  onSelect,
  label,
  colours,
}: ThumbnailGridProps) {
  const scrollRef = useRef<HTMLDivElement>(null)
  const [width, setWidth] = useState(800)
  const columns = Math.max(1, Math.floor((width + GAP) / (MIN_CELL + GAP)))
  const cell = Math.floor((width - GAP * (columns - 1)) / columns)
  const rowHeight = cell + CAPTION + GAP
  const rows = Math.ceil(images.length / columns)
  const selectedIndex = images.findIndex((image) => image.file === selected)
  const focusIndex = selectedIndex >= 0 ? selectedIndex : 0
  const keyboardMove = useRef(false)
  const flung = useFastScroll(scrollRef)

  useLayoutEffect(() => {
    const element = scrollRef.current
    if (!element || typeof ResizeObserver === 'undefined') return
    const observer = new ResizeObserver((entries) => {
      const box = entries[0]?.contentRect
      if (box && box.width > 0) setWidth(box.width)
    })
    observer.observe(element)
    return () => observer.disconnect()
  }, [])

  // The build does not use the React Compiler, so nothing memoises around the virtualiser.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 3,
    initialRect: { width: 800, height: 600 },
  })

  // Rows are as tall as the cells are wide: a new width moves every row.
  useEffect(() => virtualizer.measure(), [virtualizer, rowHeight])

  // After a keyboard move, keep focus on the newly selected cell once its row is rendered.
  useEffect(() => {
    if (!keyboardMove.current) return
    keyboardMove.current = false
    scrollRef.current?.querySelector<HTMLElement>(`[data-index="${focusIndex}"]`)?.focus()
  })

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const moves: Record<string, number> = {
      ArrowRight: 1,
      ArrowLeft: -1,
      ArrowDown: columns,
      ArrowUp: -columns,
      PageDown: columns * 4,
      PageUp: -columns * 4,
      Home: -Infinity,
      End: Infinity,
    }
    const move = moves[event.key]
    if (move === undefined || images.length === 0) return
    event.preventDefault()
    const next = Math.min(Math.max(focusIndex + move, 0), images.length - 1)
    const image = images[next]
    if (!image) return
    keyboardMove.current = true
    virtualizer.scrollToIndex(Math.floor(next / columns))
    onSelect(image.file)
  }

  return (
    <div
      ref={scrollRef}
      className="thumb-scroll"
      role="listbox"
      aria-label={label}
      onKeyDown={onKeyDown}
    >
      <div className="thumb-canvas" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((row) => (
          <div
            key={row.key}
            role="presentation"
            className="thumb-row"
            style={{
              transform: `translateY(${row.start}px)`,
              gridTemplateColumns: `repeat(${columns}, ${cell}px)`,
            }}
          >
            <RowImages
              images={images.slice(row.index * columns, row.index * columns + columns)}
              cell={cell}
              thumbnailUrl={thumbnailUrl}
              paused={flung}
            >
              {(image, column, img) => {
                const index = row.index * columns + column
                const isSelected = image.file === selected
                return (
                  <div
                    key={image.file}
                    role="option"
                    data-index={index}
                    aria-selected={isSelected}
                    aria-setsize={images.length}
                    aria-posinset={index + 1}
                    aria-label={`${image.file}, ${imageLabel(image)}${image.skipped ? `, skipped: ${image.skipped.message}` : ''}`}
                    tabIndex={index === focusIndex ? 0 : -1}
                    className={`thumb${isSelected ? ' thumb-selected' : ''}${image.skipped ? ' thumb-skipped' : ''}`}
                    title={image.skipped ? `Skipped: ${image.skipped.message}` : undefined}
                    onClick={() => onSelect(image.file)}
                  >
                    {img}
                    {colours && image.boxes && (
                      <BoxOverlay
                        width={image.width ?? 0}
                        height={image.height ?? 0}
                        colours={colours}
                        fit="cover"
                        boxes={image.boxes.map((box) => ({ ...box, kind: 'annotation' }))}
                      />
                    )}
                    <span className="thumb-label">
                      {image.skipped ? `skipped · ${image.skipped.code}` : imageLabel(image)}
                    </span>
                    <span className="thumb-file">{image.file}</span>
                  </div>
                )
              }}
            </RowImages>
          </div>
        ))}
      </div>
    </div>
  )
}
