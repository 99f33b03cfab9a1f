// The installers cannot be built here (electron-builder needs the Electron binary, which cannot be
// downloaded), so what can go wrong before a release runner ever starts is checked instead: the
// packaging config names files and packages that exist, package.json carries what the deb needs,
// and the release workflow is valid against GitHub's schema and runs scripts this project has.

import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { writeFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'

const run = promisify(execFile)
const ROOT = resolve(import.meta.dirname, '../..')
const WORKFLOW = join(ROOT, '.github/workflows/release.yml')
const VALIDATOR = join(ROOT, 'node_modules/.bin/action-validator')

interface BuilderConfig {
  directories: { buildResources: string; output: string }
  files: string[]
  asarUnpack: string[]
  icon: string
  linux: { target: string[] }
  mac: { target: string[] }
  win: { target: string[] }
}

interface PackageJson {
  main: string
  author?: { name?: string; email?: string }
  homepage?: string
  scripts: Record<string, string>
  dependencies: Record<string, string>
  optionalDependencies?: Record<string, string>
}

const builder = parse(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson

async function validate(file: string): Promise<{ ok: boolean; output: string }> {
  try {
    await run(VALIDATOR, [file])
    return { ok: true, output: '' }
  } catch (thrown) {
    const failed = thrown as { stdout?: string; stderr?: string }
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` }
  }
}

describe('the packaging config', () => {
  it('names a build-resources folder and an icon that exist', () => {
    expect(existsSync(join(ROOT, builder.directories.buildResources))).toBe(true)
    expect(existsSync(join(ROOT, builder.icon))).toBe(true)
  })

  it('ships the folder the build writes, including the entry package.json names', () => {
    expect(builder.files).toContain('out/**/*')
    expect(pkg.main.startsWith('out/main/')).toBe(true)
    const viteConfig = readFileSync(join(ROOT, 'electron.vite.config.ts'), 'utf8')
    expect(viteConfig).toContain("'out/main'")
    expect(viteConfig).toContain("index: resolve(root, 'src-main/index.ts')")
  })

  it('keeps outside the archive only packages the app depends on', () => {
    const shipped = { ...pkg.dependencies, ...pkg.optionalDependencies }
    for (const pattern of builder.asarUnpack) {
      const name = /^node_modules\/((?:@[^/]+\/)?[^/*]+)/.exec(pattern)?.[1]
      expect(name, pattern).toBeDefined()
      // @img/* are sharp's own binaries, which sharp pulls in by platform.
      if (name?.startsWith('@img')) continue
      expect(Object.keys(shipped), pattern).toContain(name)
    }
  })

  it('builds every installer the README promises', () => {
    expect(builder.linux.target).toEqual(expect.arrayContaining(['AppImage', 'deb']))
    expect(builder.mac.target).toContain('dmg')
    expect(builder.win.target).toContain('nsis')
  })

  it('has the author e-mail and homepage the deb is built from', () => {
    expect(pkg.author?.name).toBeTruthy()
    expect(pkg.author?.email).toMatch(/^[^@\s]+@[^@\s]+\.[a-z]+$/)
    expect(pkg.homepage).toMatch(/^https:\/\//)
  })
})

describe('the release workflow', () => {
  it('is valid against the workflow schema', async () => {
    const result = await validate(WORKFLOW)
    expect(result.output).toBe('')
    expect(result.ok).toBe(true)
  })

  it('would be refused by the validator if it were malformed', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'workflow-'))
    try {
      const broken = join(folder, 'release.yml')
      await writeFile(broken, readFileSync(WORKFLOW, 'utf8').replace('runs-on:', 'runs_on:'))
      expect((await validate(broken)).ok).toBe(false)
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
  })

  it('runs on tags, on each OS, npm scripts that exist', () => {
    const workflow = parse(readFileSync(WORKFLOW, 'utf8')) as {
      on: { push: { tags: string[] } }
      jobs: Record<
        string,
        { strategy: { matrix: { include: { os: string }[] } }; steps: { run?: string }[] }
      >
    }
    expect(workflow.on.push.tags).toContain('v*')
    const job = Object.values(workflow.jobs)[0]
    expect(job?.strategy.matrix.include.map((entry) => entry.os.split('-')[0])).toEqual([
      'ubuntu',
      'macos',
      'windows',
    ])
    const scripts = (job?.steps ?? [])
      .flatMap((step) => [...(step.run ?? '').matchAll(/npm run ([\w:-]+)/g)])
      .map((match) => match[1])
    expect(scripts).toEqual(expect.arrayContaining(['desktop:install', 'build', 'dist']))
    for (const script of scripts) expect(Object.keys(pkg.scripts)).toContain(script)
  })
})
