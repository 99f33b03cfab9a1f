import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../src-shared/seeded-random'
import {
  FINDING_CODES,
  summarizeFindings,
  type Finding,
  type FindingCode,
} from '../../src-shared/annotation-report'
import {
  FINDINGS_LISTED_IN_ALL,
  FINDINGS_LISTED_PER_CODE,
  FindingCollector,
} from '../../src-shared/finding-collector'
import {
  validateAnnotations,
  type ImageFileFacts,
  type ValidateOptions,
} from '../../src-shared/validate-annotations'

function stats() {
  return { images: 0, annotations: 0, categories: 0, imagesPerClass: {} }
}

// The sample annotations.json of the seed specification, byte for byte (trailing comma included).
const SEED_SAMPLE = `{
    "info" : {},
    "licences" : [],
    "categories" : [
        {
            "id" : 1,
            "name" : "cat"
        }
    ],
    "images" : [
        {
            "id" : 0,
            "licence" : 1,
            "file_name" : "00000001.jpg",
            "height" : 324,
            "width" : 765
        }
    ],
    "annotations" : [
        {
            "id" : 3,
            "image_id" : 0,
            "category_id" : 1,
        }
    ]
}`

interface Doc {
  info?: unknown
  licences?: unknown
  categories: Record<string, unknown>[]
  images: Record<string, unknown>[]
  annotations: Record<string, unknown>[]
  [key: string]: unknown
}

/** Two classes listed out of id order, four images listed out of id order. */
function validDoc(): Doc {
  return {
    info: {},
    licences: [],
    categories: [
      { id: 7, name: 'dog' },
      { id: 2, name: 'cat' },
    ],
    images: [
      { id: 30, licence: 1, file_name: 'd.jpg', width: 40, height: 30 },
      { id: 10, licence: 1, file_name: 'b.jpg', width: 40, height: 30 },
      { id: 0, licence: 1, file_name: 'a.jpg', width: 40, height: 30 },
      { id: 20, licence: 1, file_name: 'sub/c.png', width: 40, height: 30 },
    ],
    annotations: [
      { id: 1, image_id: 0, category_id: 2 },
      { id: 2, image_id: 10, category_id: 2 },
      { id: 3, image_id: 20, category_id: 7 },
      { id: 4, image_id: 30, category_id: 7 },
    ],
  }
}

function facts(width = 40, height = 30): ImageFileFacts {
  return { bytes: 1000, width, height, readable: true }
}

function validFiles(): Map<string, ImageFileFacts> {
  return new Map(['a.jpg', 'b.jpg', 'sub/c.png', 'd.jpg'].map((name) => [name, facts()]))
}

function run(doc: Doc | string, options: Partial<ValidateOptions> = {}) {
  const text = typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2)
  return validateAnnotations(text, {
    trainType: 'classification',
    minImagesPerClass: 2,
    files: validFiles(),
    ...options,
  })
}

function only(findings: Finding[], code: FindingCode): Finding[] {
  return findings.filter((finding) => finding.code === code)
}

describe('validateAnnotations: valid input', () => {
  it('returns classes sorted by category id and items sorted by image id', () => {
    const { report, dataset } = run(validDoc())
    expect(report.findings).toEqual([])
    expect(report).toMatchObject({ ok: true, errors: 0, warnings: 0 })
    expect(report.stats).toEqual({
      images: 4,
      annotations: 4,
      categories: 2,
      imagesPerClass: { dog: 2, cat: 2 },
    })
    expect(dataset).toEqual({
      classes: [
        { index: 0, categoryId: 2, name: 'cat' },
        { index: 1, categoryId: 7, name: 'dog' },
      ],
      items: [
        { imageId: 0, fileName: 'a.jpg', label: 0 },
        { imageId: 10, fileName: 'b.jpg', label: 0 },
        { imageId: 20, fileName: 'sub/c.png', label: 1 },
        { imageId: 30, fileName: 'd.jpg', label: 1 },
      ],
    })
  })

  it('accepts the seed sample with a TRAILING_COMMA warning at its position', () => {
    const files = new Map([['00000001.jpg', facts(765, 324)]])
    // Detection needs a box; it goes on the line before the comma, which keeps its position.
    const boxed = SEED_SAMPLE.replace(
      '"image_id" : 0,',
      '"image_id" : 0, "bbox" : [10, 20, 30, 40], "area" : 1200,',
    )
    const { report, dataset } = run(boxed, {
      files,
      trainType: 'obj_detection',
      minImagesPerClass: 1,
    })
    expect(report.findings).toEqual([
      expect.objectContaining({
        code: 'TRAILING_COMMA',
        severity: 'warning',
        line: 23,
        column: 30,
      }),
    ])
    expect(report.ok).toBe(true)
    expect(dataset?.items).toEqual([
      {
        imageId: 0,
        fileName: '00000001.jpg',
        label: 0,
        boxes: [{ categoryId: 1, bbox: [10, 20, 30, 40], area: 1200, iscrowd: 0 }],
        width: 765,
        height: 324,
      },
    ])
    expect(dataset?.classes).toEqual([{ index: 0, categoryId: 1, name: 'cat' }])
  })

  it('finds nothing wrong with the seed sample for classification but its single class', () => {
    const files = new Map([['00000001.jpg', facts(765, 324)]])
    const { report, dataset } = run(SEED_SAMPLE, { files, minImagesPerClass: 1 })
    expect(report.findings.map((f) => f.code)).toEqual(['TRAILING_COMMA', 'TOO_FEW_CLASSES'])
    expect(dataset).toBeUndefined()
  })

  it('accepts "licenses", "./" prefixes and a byte order mark', () => {
    const doc = validDoc()
    delete doc.licences
    doc.licenses = [{ id: 1 }]
    doc.images[2]!.file_name = './a.jpg'
    const { report, dataset } = run(`\uFEFF${JSON.stringify(doc)}`)
    expect(report.findings).toEqual([])
    expect(dataset?.items[0]?.fileName).toBe('a.jpg')
  })
})

describe('validateAnnotations: one finding per code', () => {
  it('INVALID_JSON carries line and column and nothing else is checked', () => {
    const { report, dataset } = run('{\n  "info": {},\n  "images": [1 2]\n}')
    expect(report.findings).toHaveLength(1)
    expect(report.findings[0]).toMatchObject({
      code: 'INVALID_JSON',
      severity: 'error',
      line: 3,
      column: 16,
    })
    expect(report.findings[0]?.message).toContain('line 3, column 16')
    expect(report.ok).toBe(false)
    expect(dataset).toBeUndefined()
  })

  it('INVALID_JSON for comments, empty text and truncated text', () => {
    for (const text of ['{ // no\n}', '', '   ', '{"images": [', '{"a": 1} x']) {
      const { report } = run(text)
      expect(report.findings.map((f) => f.code)).toEqual(['INVALID_JSON'])
      expect(report.findings[0]?.line).toBeGreaterThanOrEqual(1)
    }
  })

  it('MISSING_FIELD with the JSON path and a position', () => {
    const doc = validDoc()
    delete doc.images[3]!.file_name
    const { report } = run(doc)
    const [finding] = only(report.findings, 'MISSING_FIELD')
    expect(finding).toMatchObject({ severity: 'error', path: '$.images[3].file_name' })
    expect(finding?.line).toBeGreaterThan(1)
    expect(report.ok).toBe(false)
  })

  it('MISSING_FIELD for a top-level array, and only a warning for "info"', () => {
    const doc = validDoc()
    delete doc.info
    delete (doc as Partial<Doc>).annotations
    const { report } = run(doc)
    expect(only(report.findings, 'MISSING_FIELD')).toEqual([
      expect.objectContaining({ severity: 'warning', path: '$.info' }),
      expect.objectContaining({ severity: 'error', path: '$.annotations' }),
    ])
  })

  it('WRONG_TYPE with the JSON path', () => {
    const doc = validDoc()
    doc.annotations[1]!.category_id = '2'
    doc.images[0]!.width = 'wide'
    const { report } = run(doc)
    expect(only(report.findings, 'WRONG_TYPE')).toEqual([
      expect.objectContaining({ severity: 'warning', path: '$.images[0].width' }),
      expect.objectContaining({ severity: 'error', path: '$.annotations[1].category_id' }),
    ])
  })

  it('DUPLICATE_ID for images, categories and annotations', () => {
    const doc = validDoc()
    doc.categories.push({ id: 7, name: 'wolf' })
    doc.images[1]!.id = 30
    doc.annotations[3]!.id = 1
    const { report } = run(doc)
    const paths = only(report.findings, 'DUPLICATE_ID').map((f) => [f.severity, f.path])
    expect(paths).toEqual([
      ['error', '$.categories[2].id'],
      ['error', '$.images[1].id'],
      ['error', '$.annotations[3].id'],
    ])
  })

  it('UNKNOWN_IMAGE_ID and UNKNOWN_CATEGORY_ID on annotations', () => {
    const doc = validDoc()
    doc.annotations.push({ id: 9, image_id: 99, category_id: 2 })
    doc.annotations.push({ id: 10, image_id: 0, category_id: 98 })
    const { report } = run(doc)
    expect(only(report.findings, 'UNKNOWN_IMAGE_ID')).toEqual([
      expect.objectContaining({ severity: 'error', path: '$.annotations[4].image_id' }),
    ])
    expect(only(report.findings, 'UNKNOWN_CATEGORY_ID')).toEqual([
      expect.objectContaining({ severity: 'error', path: '$.annotations[5].category_id' }),
    ])
  })

  it('IMAGE_FILE_MISSING names the file and hints at a case-only difference', () => {
    const files = validFiles()
    files.delete('b.jpg')
    files.delete('d.jpg')
    files.set('D.JPG', facts())
    const { report } = run(validDoc(), { files })
    const missing = only(report.findings, 'IMAGE_FILE_MISSING')
    expect(missing.map((f) => [f.severity, f.file, f.path])).toEqual([
      ['error', 'd.jpg', '$.images[0].file_name'],
      ['error', 'b.jpg', '$.images[1].file_name'],
    ])
    expect(missing[0]?.message).toContain('D.JPG')
  })

  it('IMAGE_UNREADABLE includes the problem', () => {
    const files = validFiles()
    files.set('a.jpg', { bytes: 0, readable: false, problem: 'is empty (0 bytes)' })
    const { report } = run(validDoc(), { files })
    const [finding] = only(report.findings, 'IMAGE_UNREADABLE')
    expect(finding).toMatchObject({
      severity: 'error',
      file: 'a.jpg',
      path: '$.images[2].file_name',
    })
    expect(finding?.message).toContain('is empty (0 bytes)')
  })

  it('IMAGE_SIZE_MISMATCH is a warning; swapped sides (EXIF rotation) are not a mismatch', () => {
    const files = validFiles()
    files.set('a.jpg', facts(41, 30))
    files.set('b.jpg', facts(30, 40))
    const { report, dataset } = run(validDoc(), { files })
    expect(only(report.findings, 'IMAGE_SIZE_MISMATCH')).toEqual([
      expect.objectContaining({ severity: 'warning', file: 'a.jpg', path: '$.images[2]' }),
    ])
    expect(report.ok).toBe(true)
    expect(dataset?.items).toHaveLength(4)
  })

  it('IMAGE_WITHOUT_ANNOTATION is a warning and the image is skipped', () => {
    const doc = validDoc()
    doc.images.push({ id: 40, file_name: 'e.jpg', width: 40, height: 30 })
    const files = validFiles()
    files.set('e.jpg', facts())
    const { report, dataset } = run(doc, { files })
    expect(report.findings).toEqual([
      expect.objectContaining({
        code: 'IMAGE_WITHOUT_ANNOTATION',
        severity: 'warning',
        file: 'e.jpg',
        path: '$.images[4]',
      }),
    ])
    expect(dataset?.items.map((item) => item.fileName)).not.toContain('e.jpg')
  })

  it('FILE_NOT_IN_ANNOTATIONS for each file no image names', () => {
    const files = validFiles()
    files.set('stray.png', facts())
    files.set('deep/er.jpg', facts())
    const { report } = run(validDoc(), { files })
    const stray = only(report.findings, 'FILE_NOT_IN_ANNOTATIONS')
    expect(stray.map((f) => [f.severity, f.file])).toEqual([
      ['warning', 'stray.png'],
      ['warning', 'deep/er.jpg'],
    ])
    expect(report.ok).toBe(true)
  })

  it('MULTIPLE_LABELS for classification only; the same category twice is fine', () => {
    const doc = validDoc()
    doc.annotations.push({ id: 5, image_id: 0, category_id: 7 })
    doc.annotations.push({ id: 6, image_id: 10, category_id: 2 })
    const { report } = run(doc)
    expect(only(report.findings, 'MULTIPLE_LABELS')).toEqual([
      expect.objectContaining({ severity: 'error', file: 'a.jpg', path: '$.images[2]' }),
    ])
    doc.annotations.forEach((annotation, i) => (annotation.bbox = [i, 0, 20, 20]))
    const detection = run(doc, { trainType: 'obj_detection', minImagesPerClass: 1 })
    expect(only(detection.report.findings, 'MULTIPLE_LABELS')).toEqual([])
    expect(detection.report.ok).toBe(true)
  })

  it('TOO_FEW_IMAGES: an error below the minimum, a warning for an unused category', () => {
    const doc = validDoc()
    doc.categories.push({ id: 9, name: 'bird' })
    const { report } = run(doc, { minImagesPerClass: 3 })
    expect(only(report.findings, 'TOO_FEW_IMAGES').map((f) => [f.severity, f.path])).toEqual([
      ['error', '$.categories[0]'],
      ['error', '$.categories[1]'],
      ['warning', '$.categories[2]'],
    ])
    expect(report.stats.imagesPerClass).toEqual({ dog: 2, cat: 2, bird: 0 })
    expect(run(doc, { minImagesPerClass: 2 }).report.ok).toBe(true)
  })

  it('TOO_FEW_CLASSES when fewer than two classes have images', () => {
    const doc = validDoc()
    for (const annotation of doc.annotations) annotation.category_id = 2
    const { report, dataset } = run(doc)
    expect(only(report.findings, 'TOO_FEW_CLASSES')).toEqual([
      expect.objectContaining({ severity: 'error', path: '$.categories' }),
    ])
    expect(dataset).toBeUndefined()
  })

  it('UNSAFE_FILE_NAME for absolute paths, "..", backslashes and NUL', () => {
    const names = [
      '/etc/passwd',
      '../secret.jpg',
      'a/../../b.jpg',
      'sub\\c.png',
      'a\0.jpg',
      'C:/x.jpg',
    ]
    const doc = validDoc()
    names.forEach((name, i) =>
      doc.images.push({ id: 100 + i, file_name: name, width: 1, height: 1 }),
    )
    const { report } = run(doc)
    const unsafe = only(report.findings, 'UNSAFE_FILE_NAME')
    expect(unsafe.map((f) => f.file)).toEqual(names)
    expect(unsafe.every((f) => f.severity === 'error')).toBe(true)
    expect(unsafe[0]?.path).toBe('$.images[4].file_name')
    expect(only(report.findings, 'IMAGE_FILE_MISSING')).toEqual([])
  })
})

describe('validateAnnotations: robustness', () => {
  it('answers odd documents with a report', () => {
    const texts = [
      'null',
      '[]',
      '"x"',
      '1e400',
      '{"images": null, "categories": {}, "annotations": "none"}',
      '{"images": [null, 1, [], {"id": 1e400, "file_name": 5}], "categories": [{"id": -0.5}], "annotations": [{}]}',
      `{"images": ${'['.repeat(50_000)}${']'.repeat(50_000)}}`,
      '['.repeat(200_000),
      '{"__proto__": {"images": []}, "constructor": 1}',
    ]
    for (const text of texts) {
      const { report } = run(text)
      expect(report.ok).toBe(false)
      expect(report.findings.length).toBeGreaterThan(0)
    }
  })

  it('lists at most a fixed number of findings per code and summarizes the rest', () => {
    const doc = validDoc()
    const extra = FINDINGS_LISTED_PER_CODE + 50
    for (let i = 0; i < extra; i++) {
      doc.images.push({ id: 1000 + i, file_name: `missing-${i}.jpg`, width: 40, height: 30 })
      doc.annotations.push({ id: 1000 + i, image_id: 1000 + i, category_id: 2 })
    }
    const { report } = run(doc)
    const missing = only(report.findings, 'IMAGE_FILE_MISSING')
    expect(missing).toHaveLength(FINDINGS_LISTED_PER_CODE + 1)
    expect(missing.at(-1)?.message).toBe('50 more IMAGE_FILE_MISSING findings not listed')
    // The counts are the true ones, not the listed ones.
    expect(report.errors).toBe(extra)
    expect(report.truncated).toBe(true)
    expect(report.totalFindings).toBe(report.errors + report.warnings)
  })

  it('lists at most a fixed number of findings in all and still counts every one', () => {
    const findings = new FindingCollector()
    // Many codes, each below its own cap: only the overall cap bounds the list.
    const codes = FINDING_CODES.slice(0, 12)
    for (const code of codes)
      for (let i = 0; i < FINDINGS_LISTED_PER_CODE; i++) findings.add(code, 'error', `${code} ${i}`)
    const listed = findings.finish()
    const total = codes.length * FINDINGS_LISTED_PER_CODE
    expect(listed.filter((f) => !f.message.endsWith(' not listed'))).toHaveLength(
      FINDINGS_LISTED_IN_ALL,
    )
    const report = summarizeFindings(listed, stats(), findings.totals())
    expect(report.errors).toBe(total)
    expect(report.truncated).toBe(true)
    expect(report.totalFindings).toBe(total)
  })

  it('handles 50,000 images with trailing commas quickly', () => {
    const lines = ['{"info": {}, "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"},],']
    const images: string[] = []
    const annotations: string[] = []
    const files = new Map<string, ImageFileFacts>()
    for (let i = 0; i < 50_000; i++) {
      images.push(`{"id": ${i}, "file_name": "${i}.jpg", "width": 40, "height": 30,}`)
      annotations.push(`{"id": ${i}, "image_id": ${i}, "category_id": ${(i % 2) + 1},}`)
      files.set(`${i}.jpg`, facts())
    }
    lines.push(`"images": [${images.join(',\n')}],`, `"annotations": [${annotations.join(',\n')}]}`)
    const started = performance.now()
    const { report, dataset } = run(lines.join('\n'), { files })
    expect(performance.now() - started).toBeLessThan(5000)
    expect(dataset?.items).toHaveLength(50_000)
    const commas = only(report.findings, 'TRAILING_COMMA')
    expect(commas).toHaveLength(FINDINGS_LISTED_PER_CODE + 1)
    expect(commas[0]).toMatchObject({ line: 1, column: 75 })
  })
})

const ODD_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER + 2,
  '',
  '1',
  '../x.jpg',
  [],
  [1, 2],
  {},
  { id: 1 },
]

describe('validateAnnotations: fuzz', () => {
  it('answers 1,000 mutated documents with a report, each within 2 s', () => {
    const random = seededRandom(20240611)
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
    const containers = (value: unknown, found: unknown[] = []): unknown[] => {
      if (typeof value === 'object' && value !== null) {
        found.push(value)
        for (const child of Object.values(value)) containers(child, found)
      }
      return found
    }
    const base = validDoc()
    for (let i = 0; i < 20; i++) {
      base.images.push({ id: 100 + i, file_name: `x${i}.jpg`, width: 40, height: 30 })
      base.annotations.push({ id: 100 + i, image_id: 100 + i, category_id: pick([2, 7]) })
    }
    const files = validFiles()
    for (let i = 0; i < 20; i++) files.set(`x${i}.jpg`, facts())

    const seen = new Set<FindingCode>()
    for (let round = 0; round < 1000; round++) {
      const doc = structuredClone(base) as unknown as Record<string, unknown>
      for (let step = 1 + Math.floor(random() * 3); step > 0; step--) {
        const target = pick(containers(doc)) as Record<string, unknown> | unknown[]
        const keys = Object.keys(target)
        const key = keys.length > 0 ? pick(keys) : '0'
        const action = random()
        if (Array.isArray(target) && action < 0.25 && target.length > 0)
          target.push(structuredClone(target[Number(key)])) // duplicates an entry, and so its id
        else if (action < 0.5 && !Array.isArray(target)) delete target[key]
        else (target as Record<string, unknown>)[key] = structuredClone(pick(ODD_VALUES))
      }
      let text = JSON.stringify(doc, null, round % 2 === 0 ? 2 : undefined)
      const textual = random()
      const at = Math.floor(random() * text.length)
      if (textual < 0.15) text = text.slice(0, at)
      else if (textual < 0.3)
        text =
          text.slice(0, at) +
          pick(['{', ']', ',', '"', '\\', '\0', 'garbage', '/*']) +
          text.slice(at)
      else if (textual < 0.35) text = text.replace(/\}/, '},')

      const started = performance.now()
      const { report, dataset } = validateAnnotations(text, {
        trainType: pick(['classification', 'obj_detection'] as const),
        minImagesPerClass: 2,
        files,
      })
      expect(performance.now() - started).toBeLessThan(2000)
      expect(report.ok).toBe(report.errors === 0)
      expect(report.errors + report.warnings).toBe(report.findings.length)
      expect(dataset !== undefined).toBe(report.ok)
      for (const finding of report.findings) {
        expect(FINDING_CODES).toContain(finding.code)
        seen.add(finding.code)
      }
    }
    // The mutations reach most of the validator, not just the JSON parser.
    expect(seen.size).toBeGreaterThanOrEqual(10)
  })
})
