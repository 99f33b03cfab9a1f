// Runs wasm backend kernels from inside another kernel: composite kernels call the backend's own
// kernel functions directly (not ops), so nothing reaches the tape or the engine's bookkeeping, and
// every intermediate result is released here once the composite's output exists.

import { getKernel, type KernelBackend, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs'

export class WasmKernelScope {
  private readonly made: TensorInfo[] = []
  private readonly backend: KernelBackend

  /** `backend` is what the engine passes a kernel function (typed loosely by tfjs). */
  constructor(backend: unknown) {
    this.backend = backend as KernelBackend
  }

  run(
    kernelName: string,
    inputs: Record<string, TensorInfo>,
    attrs: NamedAttrMap = {},
  ): TensorInfo {
    const kernel = getKernel(kernelName, 'wasm')
    if (kernel === undefined) throw new Error(`The wasm backend has no ${kernelName} kernel`)
    const out = kernel.kernelFunc({ inputs, backend: this.backend, attrs }) as TensorInfo
    this.made.push(out)
    return out
  }

  /** Takes `made` (allocated by a kernel of this module, not through run) into the scope. */
  adopt(made: TensorInfo): TensorInfo {
    this.made.push(made)
    return made
  }

  /** Releases every intermediate made in this scope except `result`, and returns `result`. */
  finish(result: TensorInfo): TensorInfo {
    for (const info of this.made) if (info !== result) this.backend.disposeData(info.dataId)
    this.made.length = 0
    return result
  }

  /** Releases everything made in this scope (after a failure). */
  abandon(): void {
    for (const info of this.made) this.backend.disposeData(info.dataId)
    this.made.length = 0
  }
}
