// `npm run serve` as a person runs it: in a process of its own, its terminal shows one line per
// job start, stage and end (with the failure's code), no SDK notice, and it stops and frees its
// port on SIGTERM, also when the SIGTERM goes to npm.

import { spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { until } from './http/server-fixture'

const ROOT = resolve(import.meta.dirname, '..')
const base = process.env.TRAINING_SERVER_HOME ?? ''

interface Running {
  proc: ChildProcess
  port: number
  output: () => string
}

let children: ChildProcess[] = []
let homes: string[] = []
afterEach(async () => {
  for (const proc of children)
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL')
  children = []
  for (const home of homes) {
    killServersOf(home)
    await rm(home, { recursive: true, force: true })
  }
  homes = []
})

async function start(command: string, args: string[]): Promise<Running> {
  const home = await mkdtemp(join(base, 'headless-'))
  homes.push(home)
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TRAINING_SERVER_HOME: home,
    TRAINING_SERVER_PORT: '0',
    TRAINING_SERVER_S3_PORT: '0',
  }
  // As in a user's terminal: the test runner's own silencing of the notice must not count.
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED
  delete env.npm_lifecycle_event
  const proc = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(proc)
  let output = ''
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 60 s:\n${output}`)), 60_000)
    const read = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolvePort(Number(match[1]))
      }
    }
    proc.stdout?.on('data', read)
    proc.stderr?.on('data', read)
    proc.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`exited with ${code}:\n${output}`))
    })
  })
  return { proc, port, output: () => output }
}

/** A server that outlived its npm (the failure tested below) must not outlive the test too. */
function killServersOf(home: string): void {
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')
      if (environ.includes(`TRAINING_SERVER_HOME=${home}`)) process.kill(Number(pid), 'SIGKILL')
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
}

function portRefuses(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      done(false)
    })
    socket.once('error', () => done(true))
  })
}

function exited(proc: ChildProcess): Promise<number | null> {
  if (proc.exitCode !== null) return Promise.resolve(proc.exitCode)
  return new Promise((done) => proc.once('exit', (code) => done(code)))
}

describe('the headless server in a terminal', () => {
  it('prints a line per job start, stage and end, and stops on SIGTERM', async () => {
    const server = await start(process.execPath, ['--import', 'tsx', 'src-main/headless.ts'])
    const res = await fetch(
      `http://127.0.0.1:${server.port}/progress?train_type=classification&bucket_name=nosuchclient`,
    )
    const body = await res.text()
    const jobId = /"jobId":"([^"]+)"/.exec(body)?.[1]
    expect(jobId).toBeTruthy()
    await until(() => server.output().includes('failed'), 20_000)
    const lines = server
      .output()
      .split('\n')
      .filter((line) => line.includes(` nosuchclient ${jobId} `))
    expect(lines).toHaveLength(3)
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z nosuchclient \S+ started$/)
    expect(lines[1]).toMatch(/ syncing$/)
    expect(lines[2]).toMatch(/ failed BUCKET_NOT_FOUND: /)
    expect(server.output()).not.toMatch(/NodeVersionSupportWarning|no longer support/i)

    server.proc.kill('SIGTERM')
    expect(await exited(server.proc)).toBe(0)
    expect(server.output()).toContain('SIGTERM: stopping')
    expect(await portRefuses(server.port)).toBe(true)
  })

  it('started by npm run serve, stops and frees its port when npm gets SIGTERM', async () => {
    // --ignore-scripts skips the UI build that `preserve` runs; the server does not need it here.
    const npm = await start('npm', ['run', 'serve', '--ignore-scripts'])
    npm.proc.kill('SIGTERM')
    await exited(npm.proc)
    await until(() => portRefuses(npm.port), 20_000)
    expect(npm.output()).toContain('npm run serve ended: stopping')
  })
})
