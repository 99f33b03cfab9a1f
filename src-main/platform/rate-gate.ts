// How often progress is reported (a job stage's, a transfer's): often enough for a live bar, rarely
// enough that the messages do not slow the work they describe. The one throttle of the app.

export const PROGRESS_INTERVAL_MS = 200

/** True at most once per interval, and always when forced (the last step of a stage). */
export function progressGate(intervalMs = PROGRESS_INTERVAL_MS): (force: boolean) => boolean {
  let last = 0
  return (force) => {
    const now = Date.now()
    if (!force && now - last < intervalMs) return false
    last = now
    return true
  }
}
