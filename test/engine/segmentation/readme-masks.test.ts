// README's Python mask assembly is the server's: its `assemble_mask`, taken from README.md as
// written, gives instanceMask's pixels on random prototypes and coefficients, for boxes inside,
// across and past the border, in images larger and smaller than the model input.

import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { rleDecode } from '../../../src-shared/coco-mask/rle'
import { seededRandom } from '../../../src-shared/seeded-random'
import { instanceMask, MASK_THRESHOLD } from '../../../src-shared/tasks/segmentation-output'

const PYTHON = '/usr/bin/python3'
const README = join(__dirname, '..', '..', '..', 'README.md')
const S = 32
const STRIDE = 4
const CELLS = S / STRIDE
const K = 3

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'readme-masks-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

it("gives instanceMask's pixels", () => {
  const readme = readFileSync(README, 'utf8')
  const source = /^def assemble_mask\(.*?^ {4}return mask\b.*?$/ms.exec(readme)?.[0]
  expect(source, 'README has the assemble_mask function').toBeDefined()
  const random = seededRandom(21)
  const cases = Array.from({ length: 12 }, (_, n) => {
    const prototypes = Array.from({ length: CELLS * CELLS * K }, () => random() * 2)
    const coefficients = Array.from({ length: CELLS * CELLS * K }, () => random() * 2 - 1)
    const image = n % 2 === 0 ? { width: 50, height: 37 } : { width: 20, height: 28 }
    const w = 4 + random() * 24
    const h = 4 + random() * 24
    const bbox: [number, number, number, number] = [random() * (S - 4), random() * (S - 4), w, h]
    const cell = { row: Math.floor(random() * CELLS), col: Math.floor(random() * CELLS) }
    return { prototypes, coefficients, image, bbox, cell }
  })
  writeFileSync(join(dir, 'cases.json'), JSON.stringify(cases))
  const script = join(dir, 'assemble.py')
  writeFileSync(
    script,
    [
      'import json, sys',
      'import numpy as np',
      source ?? '',
      'out = []',
      'for case in json.load(open(sys.argv[1])):',
      `    p = np.array(case['prototypes']).reshape(${CELLS}, ${CELLS}, ${K})`,
      `    c = np.array(case['coefficients']).reshape(${CELLS}, ${CELLS}, ${K})`,
      "    im = case['image']",
      `    m = assemble_mask(c, p, case['cell']['row'], case['cell']['col'], case['bbox'], ${S}, ${STRIDE}, im['width'], im['height'], ${MASK_THRESHOLD})`,
      '    out.append(m.reshape(-1).tolist())',
      'print(json.dumps(out))',
    ].join('\n'),
  )
  const result = spawnSync(PYTHON, [script, join(dir, 'cases.json')], { encoding: 'utf8' })
  expect(result.stderr).toBe('')
  const theirs = JSON.parse(result.stdout) as number[][]
  let covered = 0
  cases.forEach((item, n) => {
    const rle = instanceMask(
      { classIndex: 0, score: 1, bbox: item.bbox, cell: item.cell },
      {
        stride: STRIDE,
        rows: CELLS,
        cols: CELLS,
        count: K,
        headCols: CELLS,
        prototypes: item.prototypes,
        coefficients: item.coefficients,
      },
      { width: S, height: S },
      item.image,
    )
    const { width, height } = item.image
    const columnMajor = rleDecode(rle)
    const rowMajor = Array.from({ length: width * height }, (_, i) => {
      const y = Math.floor(i / width)
      const x = i % width
      return columnMajor[x * height + y] as number
    })
    covered += rowMajor.reduce((a, b) => a + b, 0)
    expect(theirs[n]).toEqual(rowMajor)
  })
  // Random logits around zero leave both in and out pixels to compare.
  expect(covered).toBeGreaterThan(100)
})
