import { describe, expect, it } from 'vitest'
import { progressCounter, type MirrorProgress } from '../../src-main/storage/progress-throttle'

describe('progressCounter', () => {
  it('reports a burst of updates once, then the final counts on flush', () => {
    const events: MirrorProgress[] = []
    const progress = progressCounter(
      { filesDone: 0, filesTotal: 500, bytesDone: 0, bytesTotal: 5000 },
      (p) => events.push(p),
      60_000,
    )
    for (let i = 0; i < 500; i++) {
      progress.addBytes(10)
      progress.addFile()
    }
    expect(events).toHaveLength(1)
    progress.flush()
    expect(events).toHaveLength(2)
    expect(events[1]).toEqual({
      filesDone: 500,
      filesTotal: 500,
      bytesDone: 5000,
      bytesTotal: 5000,
    })
    // Reported objects are copies: later counting does not change what was sent.
    progress.addFile()
    expect(events[1]?.filesDone).toBe(500)
  })
})
