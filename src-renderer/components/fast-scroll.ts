// Whether a scroll container is being flung: it moved more than its own height within the last
// FAST_SCROLL_WINDOW_MS. A flick through thousands of thumbnails is fast the whole way and stops
// being fast that long after it ends; reading row by row never is.

import { useEffect, useState, type RefObject } from 'react'

export const FAST_SCROLL_WINDOW_MS = 400

interface Sample {
  at: number
  top: number
}

export function useFastScroll(ref: RefObject<HTMLElement | null>): boolean {
  const [fast, setFast] = useState(false)
  useEffect(() => {
    const element = ref.current
    if (!element) return
    let samples: Sample[] = [{ at: performance.now(), top: element.scrollTop }]
    let timer: ReturnType<typeof setTimeout> | undefined
    const onScroll = (): void => {
      const now = performance.now()
      samples.push({ at: now, top: element.scrollTop })
      // The baseline is where the container was one window ago (the last sample before it).
      let base = 0
      while (
        base + 1 < samples.length &&
        (samples[base + 1]?.at ?? now) <= now - FAST_SCROLL_WINDOW_MS
      )
        base++
      samples = samples.slice(base)
      const moved = Math.abs(element.scrollTop - (samples[0]?.top ?? element.scrollTop))
      if (moved <= Math.max(element.clientHeight, 1)) return
      setFast(true)
      clearTimeout(timer)
      timer = setTimeout(() => setFast(false), FAST_SCROLL_WINDOW_MS)
    }
    element.addEventListener('scroll', onScroll, { passive: true })
    return () => {
      element.removeEventListener('scroll', onScroll)
      clearTimeout(timer)
    }
  }, [ref])
  return fast
}
