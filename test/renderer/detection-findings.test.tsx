// @vitest-environment jsdom
// The detection rules' findings on the errors screen, as the validator reports them: each box
// problem with its code, its JSON path (and line) in annotations.json, and the image it is on.

import { cleanup, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { validateAnnotations } from '../../src-shared/validate-annotations'
import { ErrorsScreen } from '../../src-renderer/screens/errors-screen'
import { READY } from '../../src-renderer/store/store-types'
import { renderWithStore } from './render-app'

afterEach(cleanup)

const annotations = {
  categories: [{ id: 1, name: 'circle' }],
  images: [
    { id: 1, file_name: 'a.jpg', width: 64, height: 64 },
    { id: 2, file_name: 'b.jpg', width: 64, height: 64 },
  ],
  annotations: [
    { id: 1, image_id: 1, category_id: 1, bbox: [50, 10, 30, 10], area: 140 },
    { id: 2, image_id: 1, category_id: 1, bbox: [80, 80, 5, 5], area: 25 },
    { id: 3, image_id: 2, category_id: 1, bbox: [10, 10, 0, 4], area: 0 },
    { id: 4, image_id: 2, category_id: 1, bbox: [20, 20, 30, 30], area: 900 },
  ],
}

describe('box findings on the errors screen', () => {
  it('lists each BBOX_* finding with its JSON path and image', () => {
    const files = new Map(
      ['a.jpg', 'b.jpg'].map((file) => [
        file,
        { bytes: 900, width: 64, height: 64, readable: true },
      ]),
    )
    const { report } = validateAnnotations(JSON.stringify(annotations, null, 2), {
      trainType: 'obj_detection',
      files,
      minImagesPerClass: 1,
    })
    renderWithStore(<ErrorsScreen />, {
      selectedClient: 'client2',
      dataset: { client: 'client2', synced: true, images: [], classes: [], report },
      datasetLoad: READY,
    })
    const table = screen.getByRole('table', { name: 'Validation findings' })
    const rows = within(table)
      .getAllByRole('row')
      .slice(1)
      .map((row) => within(row).getAllByRole('cell'))
    const bbox = rows.filter((cells) => cells[1]?.textContent?.startsWith('BBOX_'))
    const shown = bbox.map((cells) => ({
      code: cells[1]?.textContent,
      path: cells[3]?.querySelector('code')?.textContent,
      line: cells[3]?.querySelector('.cell-sub') !== null,
      image: cells[4]?.textContent,
    }))
    expect(shown).toEqual(
      expect.arrayContaining([
        { code: 'BBOX_CLIPPED', path: '$.annotations[0].bbox', line: true, image: 'a.jpg' },
        { code: 'BBOX_OUTSIDE_IMAGE', path: '$.annotations[1].bbox', line: true, image: 'a.jpg' },
        { code: 'BBOX_INVALID', path: '$.annotations[2].bbox', line: true, image: '—' },
      ]),
    )
    expect(within(table).getAllByRole('button', { name: 'Open image a.jpg' })).toHaveLength(2)
  })
})
