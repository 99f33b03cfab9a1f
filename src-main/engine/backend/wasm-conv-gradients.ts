// The convolution gradient kernels of the wasm backend. As shipped it has no Conv2DBackpropFilter
// (so conv layers cannot train at all) and its Conv2DBackpropInput is a plain loop that dominates
// a training step. Both gradients are correlations, so each is rewritten here as one forward
// Conv2D on rearranged tensors: that kernel reaches XNNPACK (SIMD, threads) and is fast. The input
// gradient of a strided convolution is instead one XNNPACK product and a scatter (see
// stridedInputGradient), which skips the products with the zeros a stride would spread.
//
// Only the wasm registrations change; other backends keep their own kernels, so their results
// are untouched.

import { backend_util, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs'
import { fitBorder, spreadByStride, type ExplicitPadding } from './conv-borders'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import { scatterColumns } from './wasm-column-scatter'
import { WasmKernelScope } from './wasm-kernel-scope'

interface BackpropAttrs {
  strides: number | [number, number]
  pad: 'valid' | 'same' | number | ExplicitPadding
  dataFormat: 'NHWC' | 'NCHW'
  dimRoundingMode?: 'floor' | 'round' | 'ceil'
}

function conv2dInfo(
  xShape: number[],
  filterShape: number[],
  attrs: BackpropAttrs,
): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  )
}

function isChannelsLast(attrs: BackpropAttrs): boolean {
  return backend_util.convertConv2DDataFormat(attrs.dataFormat ?? 'NHWC') === 'channelsLast'
}

/**
 * dW[i, j, ci, co] = Σ x[n, i + s·oh - top, j + s·ow - left, ci] · dy[n, oh, ow, co]: a convolution
 * over the batch axis, with x as the input (batch ↔ channels swapped) and dy as a filter dilated
 * by the forward stride.
 *
 * Why not a patch matrix (im2col) and one product: tried, and no faster in training steps. Any
 * XNNPACK product here reduces over every output position, so whichever operand it packs as
 * weights has positions × channels values, and packing (about 4-7 ns a value) is the cost: with
 * dy fresh on every call, Pᵀ · dy took 22.2 cpu-ms on 13×13×32 → 64 at batch 64 (this kernel
 * 22.2), 14.0 on 28×28×3 → 32 (13.7), and whole reference steps got slower (Conv2DBackpropFilter
 * 40-41 → 47-49 cpu-ms), the patch matrix and its transpose adding memory traffic.
 */
export const conv2dBackpropFilterWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo }
  const a = attrs as unknown as BackpropAttrs & { filterShape: number[] }
  if (!isChannelsLast(a))
    throw new Error('Conv2DBackpropFilter on wasm supports only the NHWC data format')
  const info = conv2dInfo(x.shape, a.filterShape, a)
  const { top, left } = info.padInfo
  // The input rows any output position reads span filterHeight + (outHeight - 1) * stride.
  const bottom = info.filterHeight + (info.outHeight - 1) * info.strideHeight - info.inHeight - top
  const right = info.filterWidth + (info.outWidth - 1) * info.strideWidth - info.inWidth - left
  const scope = new WasmKernelScope(backend)
  try {
    const xByChannel = scope.run('Transpose', { x }, { perm: [3, 1, 2, 0] })
    const fitted = fitBorder(scope, xByChannel, [top, bottom], [left, right])
    const dyAsFilter = scope.run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] })
    const grad = scope.run('Conv2D', { x: fitted.t, filter: dyAsFilter }, {
      strides: [1, 1],
      pad: fitted.pad,
      dataFormat: 'NHWC',
      dilations: [info.strideHeight, info.strideWidth],
    } as unknown as NamedAttrMap)
    return scope.finish(scope.run('Transpose', { x: grad }, { perm: [1, 2, 0, 3] }))
  } catch (error) {
    scope.abandon()
    throw error
  }
}

/**
 * w'[kh, kw, co, ci] = w[KH-1-kh, KW-1-kw, ci, co] in one JavaScript pass. wasm's Reverse and
 * Transpose took 1-4 cpu-ms per call on the detector's wider filters (3×3×192×64: input
 * gradient 13.2 → 9.0 ms without them, the forward convolution itself being 9.5).
 */
function rotatedSwappedFilter(wasm: BackendWasm, filter: TensorInfo): TensorInfo {
  const [height, width, inChannels, outChannels] = filter.shape as [number, number, number, number]
  const out = wasm.makeOutput([height, width, outChannels, inChannels], 'float32')
  // Views are taken after the allocation above, which may have grown (and moved) the heap.
  const w = wasm.typedArrayFromHeap(filter) as Float32Array
  const rotated = wasm.typedArrayFromHeap(out) as Float32Array
  rotateSwap(w, rotated, height * width, inChannels, outChannels)
  return out
}

/** The loop on its own, every array a parameter (V8 compiles such loops to tight code). */
function rotateSwap(
  w: Float32Array,
  out: Float32Array,
  taps: number,
  inChannels: number,
  outChannels: number,
): void {
  const tapSize = inChannels * outChannels
  for (let tap = 0; tap < taps; tap++) {
    const from = (taps - 1 - tap) * tapSize
    const to = tap * tapSize
    for (let ci = 0; ci < inChannels; ci++)
      for (let co = 0; co < outChannels; co++)
        out[to + co * inChannels + ci] = w[from + ci * outChannels + co] as number
  }
}

/**
 * Values in the column matrix of the strided input gradient: 16 Mi floats, 64 MiB. Larger ones
 * take the zero-spread convolution, which needs no such matrix.
 */
const COLUMN_LIMIT = 16 * 1024 * 1024

/**
 * dx of a strided convolution as col2im(dy · Wᵀ): the [positions, taps] product (W is the small
 * operand XNNPACK packs) scattered back onto the input by wasm-column-scatter.
 *
 * Why only for strides: the zero-spread convolution below runs stride² times the needed products
 * (three quarters of its input are the inserted zeros). On the detector's stride-2 layers at 96 px,
 * batch 8 (cpu-ms per call, one thread, fresh tensors): 16 → 32 channels 10.4 → 6.0, 32 → 64
 * 6.7 → 2.4, 64 → 128 8.9 → 2.3. At stride 1 the convolution wastes nothing and the JavaScript
 * scatter is the larger cost: 13×13×32 → 64 went 17.1 → 22.6 and 48×48×16 → 16 3.3 → 11.6 that
 * way, so stride 1 keeps the convolution.
 */
function stridedInputGradient(
  backend: unknown,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const positions = info.batchSize * info.outHeight * info.outWidth
  const taps = info.filterHeight * info.filterWidth * info.inChannels
  const scope = new WasmKernelScope(backend)
  try {
    const w = scope.run('Reshape', { x: filter }, { shape: [1, taps, info.outChannels] })
    const wT = scope.run('Transpose', { x: w }, { perm: [0, 2, 1] })
    const dyMatrix = scope.run('Reshape', { x: dy }, { shape: [1, positions, info.outChannels] })
    const columns = scope.run('BatchMatMul', { a: dyMatrix, b: wT }, {
      transposeA: false,
      transposeB: false,
    } as unknown as NamedAttrMap)
    const dx = scatterColumns(backend as BackendWasm, columns, {
      ...info,
      padTop: info.padInfo.top,
      padLeft: info.padInfo.left,
    })
    return scope.finish(dx)
  } catch (error) {
    scope.abandon()
    throw error
  }
}

/**
 * dx = dy (with stride − 1 zeros between its rows and columns) correlated with the filter rotated
 * by 180° and its in/out channels swapped, padded so the result has the input's size.
 */
export function conv2dBackpropInputWasm(fallback?: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args
    const a = attrs as unknown as BackpropAttrs & { inputShape: number[] }
    if (!isChannelsLast(a)) {
      if (fallback === undefined)
        throw new Error('Conv2DBackpropInput on wasm supports only the NHWC data format')
      return fallback(args)
    }
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo }
    const info = conv2dInfo(a.inputShape, filter.shape, a)
    const { strideHeight, strideWidth } = info
    const positions = info.batchSize * info.outHeight * info.outWidth
    const columnValues = positions * info.filterHeight * info.filterWidth * info.inChannels
    if ((strideHeight > 1 || strideWidth > 1) && columnValues <= COLUMN_LIMIT)
      return stridedInputGradient(backend, dy, filter, info)
    const scope = new WasmKernelScope(backend)
    try {
      const spread = spreadByStride(scope, dy, strideHeight, strideWidth)
      const spreadHeight = spread.shape[1] as number
      const spreadWidth = spread.shape[2] as number
      const top = info.filterHeight - 1 - info.padInfo.top
      const left = info.filterWidth - 1 - info.padInfo.left
      const bottom = info.inHeight + info.filterHeight - 1 - spreadHeight - top
      const right = info.inWidth + info.filterWidth - 1 - spreadWidth - left
      const fitted = fitBorder(scope, spread, [top, bottom], [left, right])
      const swapped = scope.adopt(rotatedSwappedFilter(backend as BackendWasm, filter))
      const dx = scope.run('Conv2D', { x: fitted.t, filter: swapped }, {
        strides: [1, 1],
        pad: fitted.pad,
        dataFormat: 'NHWC',
        dilations: [1, 1],
      } as unknown as NamedAttrMap)
      return scope.finish(dx)
    } catch (error) {
      scope.abandon()
      throw error
    }
  }
}
