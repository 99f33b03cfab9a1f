// Notices that the process which started this one is gone. `npm run serve` starts the server
// through a shell that does not pass signals on: a SIGTERM sent to npm ends npm and that shell
// but would leave the server running, holding its ports, with nobody to stop it.

/** Calls onGone once when this process's parent changes (it was re-parented: its parent died). */
export function watchParent(onGone: () => void, intervalMs = 500): () => void {
  const parent = process.ppid
  const timer = setInterval(() => {
    if (process.ppid === parent) return
    clearInterval(timer)
    onGone()
  }, intervalMs)
  // Watching must never be what keeps the process alive.
  timer.unref()
  return () => clearInterval(timer)
}
