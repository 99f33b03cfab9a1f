// The best-epoch mark on the training screen names the epoch the model keeps: what the run
// reports, or with early stopping off the last epoch (nothing is put back), never a guess that
// contradicts the results screen.

import { describe, expect, it } from 'vitest'
import { keptEpoch } from '../../src-renderer/jobs/kept-epoch'

const epochs = [{ epoch: 1 }, { epoch: 2 }, { epoch: 3 }]

describe('keptEpoch', () => {
  it('takes the epoch the ended run reports', () => {
    expect(keptEpoch(2, 0, epochs)).toBe(2)
    expect(keptEpoch(1, 5, epochs)).toBe(1)
  })

  it('is the last epoch while a run without early stopping trains', () => {
    expect(keptEpoch(undefined, 0, epochs)).toBe(3)
    expect(keptEpoch(undefined, 0, [])).toBeUndefined()
  })

  it('leaves the choice to the curves (lowest validation loss) while early stopping is on', () => {
    expect(keptEpoch(undefined, 5, epochs)).toBeUndefined()
  })
})
