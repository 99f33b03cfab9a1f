// The backends whose tensors are plain Float32Arrays in this process (wasm's heap, cpu's arrays),
// so a kernel written once as JavaScript loops runs on both: how to read an input and make an
// output on either.

import type { TensorInfo } from '@tensorflow/tfjs'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'

export const TYPED_ARRAY_BACKENDS = ['wasm', 'cpu'] as const

/** Float32 views of a backend's tensors and a way to make new ones, for wasm and cpu alike. */
export interface TensorAccess {
  read(info: TensorInfo): Float32Array
  /** A new float32 tensor; `fill` writes its values. */
  make(shape: number[], fill: (values: Float32Array) => void): TensorInfo
}

export function tensorAccess(backendName: string, backend: unknown): TensorAccess {
  if (backendName === 'wasm') {
    const wasm = backend as BackendWasm
    return {
      read: (info) => wasm.typedArrayFromHeap(info) as Float32Array,
      make: (shape, fill) => {
        const out = wasm.makeOutput(shape, 'float32')
        // Views are taken after the allocation, which may have grown (and moved) the heap.
        fill(wasm.typedArrayFromHeap(out) as Float32Array)
        return out
      },
    }
  }
  const cpu = backend as {
    data: { get(id: object): { values: unknown } }
    makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo
  }
  return {
    read: (info) => cpu.data.get(info.dataId).values as Float32Array,
    make: (shape, fill) => {
      const values = new Float32Array(shape.reduce((size, dim) => size * dim, 1))
      fill(values)
      return cpu.makeTensorInfo(shape, 'float32', values)
    },
  }
}
