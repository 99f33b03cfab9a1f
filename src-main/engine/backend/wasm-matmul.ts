// BatchMatMul (and _FusedMatMul) with transposed operands on wasm. The shipped kernel reaches
// XNNPACK only for untransposed operands and otherwise runs a loop about ten times slower, yet
// every dense-layer gradient asks for a transposed product. Transposing the operand first is
// cheap by comparison and keeps the product on the fast path.

import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs'
import { WasmKernelScope } from './wasm-kernel-scope'

function swapInnerAxes(scope: WasmKernelScope, t: TensorInfo): TensorInfo {
  const rank = t.shape.length
  const perm = [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2]
  return scope.run('Transpose', { x: t }, { perm })
}

export function matMulUntransposed(shipped: KernelFunc): KernelFunc {
  return (args) => {
    const attrs = args.attrs as { transposeA?: boolean; transposeB?: boolean }
    if (!attrs.transposeA && !attrs.transposeB) return shipped(args)
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo }
    const scope = new WasmKernelScope(args.backend)
    try {
      const inputs = {
        ...args.inputs,
        a: attrs.transposeA ? swapInnerAxes(scope, a) : a,
        b: attrs.transposeB ? swapInnerAxes(scope, b) : b,
      }
      const out = shipped({
        inputs,
        backend: args.backend,
        attrs: { ...args.attrs, transposeA: false, transposeB: false } as NamedAttrMap,
      }) as TensorInfo
      return scope.finish(out)
    } catch (error) {
      scope.abandon()
      throw error
    }
  }
}
