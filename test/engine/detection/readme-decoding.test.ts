// README's Python decoding example is the server's decoding: its `decode` function, taken from
// README.md as written, gives the boxes decodeDetections gives on random maps with ties, plateaus,
// negative sizes and boxes past the border, under both decode settings and tight cuts.

import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  EVALUATION_DECODE,
  PREDICTION_DECODE,
  decodeDetections,
  type DetectionMaps,
} from '../../../src-shared/tasks/detection-output'

const PYTHON = '/usr/bin/python3'
const README = join(__dirname, '..', '..', '..', 'README.md')

let dir: string

/** A small deterministic generator, so a failure repeats. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

function randomMaps(seed: number): DetectionMaps {
  const next = random(seed)
  const rows = 6
  const cols = 8
  const classes = 3
  const cells = rows * cols
  // Scores in steps of 0.05: equal neighbours (plateaus) and equal peaks (ties) occur.
  const heatmap = Float32Array.from({ length: cells * classes }, () => Math.round(next() * 20) / 20)
  const size = Float32Array.from({ length: cells * 2 }, () => next() * 5 - 0.5)
  const offset = Float32Array.from({ length: cells * 2 }, () => next())
  return { rows, cols, classes, stride: 4, heatmap, size, offset }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'readme-decoding-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

it("gives decodeDetections' boxes", () => {
  const readme = readFileSync(README, 'utf8')
  const source = /^def decode\(.*?^ {4}return kept$/ms.exec(readme)?.[0]
  expect(source, 'README has the decode function').toBeDefined()
  const settings = [
    PREDICTION_DECODE,
    EVALUATION_DECODE,
    { ...EVALUATION_DECODE, candidates: 12, maxDetections: 5, nmsIou: 0.3 },
  ]
  const cases = [1, 2, 3, 4].flatMap((seed) =>
    settings.map((options) => ({ maps: randomMaps(seed), options })),
  )
  const input = cases.map(({ maps, options }) => ({
    shape: [maps.rows, maps.cols, maps.classes],
    heatmap: Array.from(maps.heatmap),
    size: Array.from(maps.size),
    offset: Array.from(maps.offset),
    stride: maps.stride,
    options,
  }))
  writeFileSync(join(dir, 'cases.json'), JSON.stringify(input))
  const script = join(dir, 'decode.py')
  writeFileSync(
    script,
    [
      'import json, sys',
      'import numpy as np',
      source ?? '',
      'out = []',
      'for case in json.load(open(sys.argv[1])):',
      "    r, c, k = case['shape']",
      "    h = np.array(case['heatmap']).reshape(r, c, k)",
      "    s = np.array(case['size']).reshape(r, c, 2)",
      "    o = np.array(case['offset']).reshape(r, c, 2)",
      "    kept = decode(h, s, o, case['stride'], case['options'])",
      '    out.append([[k, score, [float(v) for v in box]] for k, score, box in kept])',
      'print(json.dumps(out))',
    ].join('\n'),
  )
  const result = spawnSync(PYTHON, [script, join(dir, 'cases.json')], { encoding: 'utf8' })
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
  const theirs = JSON.parse(result.stdout) as [number, number, number[]][][]
  let boxes = 0
  cases.forEach(({ maps, options }, i) => {
    const mine = decodeDetections(maps, options)
    boxes += mine.length
    expect(theirs[i]?.map(([k]) => k)).toEqual(mine.map((box) => box.classIndex))
    theirs[i]?.forEach(([, score, bbox], j) => {
      expect(score).toBeCloseTo(mine[j]?.score ?? NaN, 9)
      bbox.forEach((v, n) => expect(v).toBeCloseTo(mine[j]?.bbox[n] ?? NaN, 9))
    })
  })
  // The cases are not trivial: many boxes, and the tight setting cuts them.
  expect(boxes).toBeGreaterThan(50)
})
