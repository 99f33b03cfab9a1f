// Where the wasm backend's binaries live, and how it gets XNNPACK's thread pool under Node.
//
// tfjs-backend-wasm 4.x turns threads off whenever it runs in Node, and its threaded build spawns
// its pthread workers from blob: URLs, which Node's Worker cannot load. Both obstacles are on the
// JavaScript side only, so for the few milliseconds of backend start-up this module lets the
// pthread workers start from the same script text loaded in-process, and hands them the main
// script by file path. The wasm build also sizes its pool as half the logical cores (assuming
// hyper-threading), which on a 2-core machine means one thread; the requested count is honoured
// instead. If the threaded build fails to start, the caller falls back to the single-threaded one.

import { createRequire } from 'node:module'
import { dirname, join, sep } from 'node:path'
import type { Worker as NodeWorker, WorkerOptions } from 'node:worker_threads'

// Not named `require`: bundles declare their own module-level `require` shim.
const nodeRequire = createRequire(import.meta.url)

/** Folder of the .wasm binaries, resolved from the package so it works from source and bundles. */
export function wasmBinaryDir(): string {
  return dirname(nodeRequire.resolve('@tensorflow/tfjs-backend-wasm')) + sep
}

function wasmOutDir(): string {
  return join(dirname(nodeRequire.resolve('@tensorflow/tfjs-backend-wasm')), '..', 'wasm-out')
}

type WorkerClass = new (file: string | URL, options?: WorkerOptions) => NodeWorker

/**
 * Runs `start` with pthread workers able to start from Node, and with `threads` as the pool size.
 * Everything patched is restored before this returns, even when start-up fails.
 */
export async function withWasmThreads<T>(threads: number, start: () => Promise<T>): Promise<T> {
  const workerThreads = nodeRequire('node:worker_threads') as { Worker: WorkerClass }
  const os = nodeRequire('node:os') as { cpus(): unknown[] }
  const workerModule = nodeRequire(
    join(wasmOutDir(), 'tfjs-backend-wasm-threaded-simd.worker.js'),
  ) as {
    wasmWorkerContents: string
  }
  // The script holds "\n" escapes inside string literals that must stay escapes once evaluated.
  const workerScript = workerModule.wasmWorkerContents.replace(/\n/g, '\\n')
  const mainScript = join(wasmOutDir(), 'tfjs-backend-wasm-threaded-simd.js')
  const ShippedWorker = workerThreads.Worker

  class PthreadWorker extends ShippedWorker {
    constructor(file: string | URL, options?: WorkerOptions) {
      const fromBlob = typeof file === 'string' && file.startsWith('blob:')
      super(fromBlob ? workerScript : file, fromBlob ? { ...options, eval: true } : options)
    }

    override postMessage(message: unknown, transfer?: readonly unknown[]): void {
      const load = message as { cmd?: string; urlOrBlob?: unknown } | null
      if (load?.cmd === 'load' && typeof load.urlOrBlob !== 'string')
        message = { ...load, urlOrBlob: mainScript }
      super.postMessage(message, transfer as never)
    }

    // Pool threads run for the life of the backend; they must not keep the process alive once
    // loaded (the thread that uses them blocks on them synchronously anyway).
    override ref(): void {
      if (!(this as { loaded?: boolean }).loaded) super.ref()
    }
  }

  const shippedCpus = os.cpus
  workerThreads.Worker = PthreadWorker
  os.cpus = () => {
    const real = shippedCpus()
    return Array.from({ length: threads * 2 }, (_, i) => real[i % real.length])
  }
  try {
    return await start()
  } finally {
    workerThreads.Worker = ShippedWorker
    os.cpus = shippedCpus
  }
}
