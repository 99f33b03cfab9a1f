// Stopping many transfers at once without piling listeners onto one signal. Every transfer gets
// its own AbortController (the SDK, streams and retries each listen to it), and the group aborts
// all that are still open. A shared signal with a listener per request in flight trips Node's
// MaxListenersExceededWarning as soon as more than ten run at once.

export class AbortGroup {
  private readonly open = new Set<AbortController>()
  private stopped = false
  private readonly detach: () => void

  /** Follows `outer` (the job's signal) with one listener for the whole group. */
  constructor(outer?: AbortSignal) {
    const onOuterAbort = () => this.abort()
    outer?.addEventListener('abort', onOuterAbort, { once: true })
    this.detach = () => outer?.removeEventListener('abort', onOuterAbort)
    if (outer?.aborted) this.abort()
  }

  get aborted(): boolean {
    return this.stopped
  }

  /** Runs `work` with a controller of its own, aborted when the group is. */
  async run<T>(work: (controller: AbortController) => Promise<T>): Promise<T> {
    const controller = new AbortController()
    if (this.stopped) controller.abort()
    this.open.add(controller)
    try {
      return await work(controller)
    } finally {
      this.open.delete(controller)
    }
  }

  abort(): void {
    if (this.stopped) return
    this.stopped = true
    for (const controller of this.open) controller.abort()
  }

  /** Stops following the outer signal; call once the group's work is over. */
  close(): void {
    this.detach()
  }
}
