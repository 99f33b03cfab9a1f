// The one atomic writer: a file under its final name is always whole (the old one or the new one),
// a write that fails leaves no temporary file behind, and the data and the folder entry are
// flushed to disk before a replacement counts as done.

import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs/promises'
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  moveIntoPlace,
  removeStaleTemporaries,
  renameDurably,
  replaceAtomically,
  writeFileAtomically,
  writeJsonAtomically,
} from '../../src-main/platform/atomic-file'
import { writeSettingsFile } from '../../src-main/config/settings-file'
import { DEFAULT_TRAIN_PARAMS } from '../../src-shared/train-params'
import { Job } from '../../src-main/jobs/job'
import { RunHistory } from '../../src-main/jobs/run-history'
import { manifestPath, writeManifest } from '../../src-main/storage/mirror-manifest'

/** What reached the disk layer, in order: `sync <path>` and `rename <from> <to>`. */
const calls: string[] = []

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>()
  return {
    ...actual,
    open: async (...args: Parameters<typeof actual.open>) => {
      const handle = await actual.open(...args)
      const sync = handle.sync.bind(handle)
      handle.sync = async () => {
        calls.push(`sync ${String(args[0])}`)
        await sync()
      }
      return handle
    },
    rename: async (from: string, to: string) => {
      calls.push(`rename ${from} ${to}`)
      await actual.rename(from, to)
    },
  }
})

let dir: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ts-atomic-'))
  calls.length = 0
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('replaceAtomically', () => {
  it('never shows a half-written file under the final name, and a failed write leaves the old one', async () => {
    const file = join(dir, 'record.json')
    await writeFile(file, 'old and whole')
    await expect(
      replaceAtomically(file, async (temporary) => {
        await writeFile(temporary, 'new but half')
        // Mid-write, readers of the final name still see the previous file.
        expect(await readFile(file, 'utf8')).toBe('old and whole')
        throw new Error('disk full')
      }),
    ).rejects.toThrow('disk full')
    expect(await readFile(file, 'utf8')).toBe('old and whole')
    expect(await readdir(dir)).toEqual(['record.json'])
    expect(calls.filter((c) => c.startsWith('rename'))).toEqual([])
  })

  it('flushes the new file before the rename and its folder after', async () => {
    const file = join(dir, 'sub', 'manifest.json')
    await writeJsonAtomically(file, { a: 1 })
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ a: 1 })
    expect(calls).toHaveLength(3)
    const [syncFile, renamed, syncFolder] = calls
    const temporary = syncFile?.slice('sync '.length) ?? ''
    expect(temporary).toMatch(/[/\\]\.manifest\.json\.\d+-[0-9a-f]{8}\.tmp$/)
    expect(renamed).toBe(`rename ${temporary} ${file}`)
    expect(syncFolder).toBe(`sync ${join(dir, 'sub')}`)
    expect(await readdir(join(dir, 'sub'))).toEqual(['manifest.json'])
  })

  it('creates the temporary file with the mode asked for', async () => {
    const file = join(dir, 'settings.json')
    await writeFileAtomically(file, 'secret', { mode: 0o600 })
    if (process.platform !== 'win32') expect((await fs.stat(file)).mode & 0o777).toBe(0o600)
  })
})

describe('moveIntoPlace and renameDurably', () => {
  it('moveIntoPlace flushes the file, renames it, then flushes the target folder', async () => {
    const temporary = join(dir, '.partial-1')
    const target = join(dir, 'images', 'a.png')
    await mkdir(join(dir, 'images'))
    await writeFile(temporary, 'pixels')
    await moveIntoPlace(temporary, target)
    expect(await readFile(target, 'utf8')).toBe('pixels')
    expect(calls).toEqual([
      `sync ${temporary}`,
      `rename ${temporary} ${target}`,
      `sync ${join(dir, 'images')}`,
    ])
  })

  it('renameDurably flushes a folder tree, renames it, then flushes both parents', async () => {
    const from = join(dir, 'download.tmp')
    await mkdir(join(from, 'group'), { recursive: true })
    await writeFile(join(from, 'model.json'), '{}')
    await writeFile(join(from, 'group', 'weights.bin'), 'w')
    await mkdir(join(dir, 'aside'))
    const to = join(dir, 'aside', 'model')
    await renameDurably(from, to)
    expect(await readFile(join(to, 'group', 'weights.bin'), 'utf8')).toBe('w')
    const renameAt = calls.indexOf(`rename ${from} ${to}`)
    expect(renameAt).toBeGreaterThan(0)
    expect(calls.slice(0, renameAt)).toEqual(
      expect.arrayContaining([
        `sync ${join(from, 'model.json')}`,
        `sync ${join(from, 'group', 'weights.bin')}`,
        `sync ${join(from, 'group')}`,
        `sync ${from}`,
      ]),
    )
    expect(calls.slice(renameAt + 1)).toEqual([`sync ${join(dir, 'aside')}`, `sync ${dir}`])
  })
})

describe('removeStaleTemporaries', () => {
  it('removes what dead processes left, keeps writes of running ones and other files', async () => {
    const file = join(dir, '.client0.mirror.json')
    const dead = spawnSync(process.execPath, ['-e', '']).pid
    const stale = `..client0.mirror.json.${dead}-0123abcd.tmp`
    const mine = `..client0.mirror.json.${process.pid}-0123abcd.tmp`
    const other = `.other.json.${dead}-0123abcd.tmp`
    for (const name of [stale, mine, other, '.client0.mirror.json'])
      await writeFile(join(dir, name), 'x')
    await removeStaleTemporaries(file)
    expect((await readdir(dir)).sort()).toEqual([mine, '.client0.mirror.json', other].sort())
  })
})

describe('files that must survive a power cut', () => {
  /** True when `file` was reached through a flushed temporary sibling and a flushed folder. */
  function writtenDurably(file: string, folder: string): boolean {
    const renamed = calls.findIndex((c) => c.startsWith('rename ') && c.endsWith(` ${file}`))
    const temporary = calls[renamed]?.split(' ')[1]
    return (
      renamed > 0 &&
      calls.slice(0, renamed).includes(`sync ${temporary}`) &&
      calls.slice(renamed + 1).includes(`sync ${folder}`)
    )
  }

  it('run records, mirror manifests and the settings file are flushed with their folder', async () => {
    const runs = join(dir, 'runs')
    const history = new RunHistory(runs, 0)
    await mkdir(runs)
    const job = Job.create({
      id: 'client0-1',
      client: 'client0',
      trainType: 'classification',
      params: DEFAULT_TRAIN_PARAMS,
    })
    history.track(job)
    await history.close()
    expect(writtenDurably(join(runs, 'client0-1.json'), runs)).toBe(true)

    const dest = join(dir, 'train_data', 'client0')
    await mkdir(dest, { recursive: true })
    await writeManifest(dest, { bucket: 'b', complete: true, objects: 0, files: new Map() })
    expect(writtenDurably(manifestPath(dest), join(dir, 'train_data'))).toBe(true)

    const settings = join(dir, 'settings.json')
    await writeSettingsFile(settings, {})
    expect(writtenDurably(settings, dir)).toBe(true)
  })
})
