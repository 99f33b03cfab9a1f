// Picks the tfjs backend the engine trains on: the native TensorFlow binding when it is installed,
// else WebAssembly (with this project's gradient kernels, on XNNPACK threads), else plain
// JavaScript. A forced choice that cannot load is an error, not a silent downgrade.

import { availableParallelism } from 'node:os'
import * as tf from '@tensorflow/tfjs'
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm'
import { AppFailure, appError } from '../../../src-shared/errors'
import { BACKENDS, type BackendName } from '../../../src-shared/train-params'
import { registerCpuResizeGradient } from './cpu-resize-gradient'
import { registerWasmTrainingKernels } from './wasm-training-kernels'
import { wasmBinaryDir, withWasmThreads } from './wasm-runtime'

export interface BackendOptions {
  /** XNNPACK threads for wasm; default: the available cores, at most 4. Fixed once wasm started. */
  threads?: number
}

/** Why each backend that was tried did not load, for logs and errors. */
const failures = new Map<BackendName, string>()
let wasmStarted: Promise<boolean> | undefined

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

async function loadTensorflow(): Promise<boolean> {
  if (tf.findBackend('tensorflow') === null) {
    // A variable specifier keeps bundlers and the type checker away from an optional package.
    const nativeBinding = '@tensorflow/tfjs-node'
    try {
      await import(nativeBinding)
    } catch (error) {
      failures.set('tensorflow', describe(error))
      return false
    }
  }
  return tf.setBackend('tensorflow')
}

async function startWasm(threads: number): Promise<boolean> {
  registerWasmTrainingKernels()
  setWasmPaths(wasmBinaryDir())
  if (threads > 1) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true)
    setThreadsCount(threads)
    try {
      if (await withWasmThreads(threads, () => tf.setBackend('wasm'))) return true
    } catch (error) {
      failures.set('wasm', `threaded start failed: ${describe(error)}`)
    }
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false)
  }
  return tf.setBackend('wasm')
}

async function loadWasm(options: BackendOptions): Promise<boolean> {
  const threads = Math.max(1, Math.floor(options.threads ?? Math.min(availableParallelism(), 4)))
  wasmStarted ??= startWasm(threads)
  try {
    return (await wasmStarted) && (await tf.setBackend('wasm'))
  } catch (error) {
    failures.set('wasm', describe(error))
    return false
  }
}

async function load(name: BackendName, options: BackendOptions): Promise<boolean> {
  if (name === 'tensorflow') return loadTensorflow()
  if (name === 'wasm') return loadWasm(options)
  return tf.setBackend('cpu')
}

/**
 * Starts a backend and returns the one now active: the first of tensorflow, wasm, cpu that loads,
 * or exactly `preferred` when one is given (BACKEND_UNAVAILABLE if it cannot load).
 */
export async function selectBackend(
  preferred?: BackendName,
  options: BackendOptions = {},
): Promise<BackendName> {
  // The cpu backend serves as a fallback and as the reference in tests, whichever one trains.
  registerCpuResizeGradient()
  const order: readonly BackendName[] = preferred === undefined ? BACKENDS : [preferred]
  for (const name of order) {
    if (await load(name, options)) {
      await tf.ready()
      return name
    }
  }
  const name = preferred ?? 'cpu'
  throw new AppFailure(
    appError('BACKEND_UNAVAILABLE', `The ${name} backend could not be loaded`, {
      field: 'backend',
      details: { backend: name, cause: failures.get(name) ?? 'initialisation failed' },
    }),
  )
}

/** XNNPACK threads of the running wasm backend (1 for other backends). */
export function backendThreads(): number {
  if (tf.getBackend() !== 'wasm') return 1
  try {
    return getThreadsCount()
  } catch {
    return 1
  }
}
