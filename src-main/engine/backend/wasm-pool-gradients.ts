// MaxPoolGrad for the wasm backend. The shipped kernel walks every input position and re-derives
// which windows chose it; walking the output windows once instead (find the first maximum, pass
// dy to it) reads each input value once per window and is several times faster, even as plain
// JavaScript over the wasm heap. Tie-breaking matches the cpu backend: the first maximum in
// row-major window order wins.

import { backend_util, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'

interface MaxPoolGradAttrs {
  filterSize: number | [number, number]
  strides: number | [number, number]
  pad: 'valid' | 'same' | number
  dimRoundingMode?: 'floor' | 'round' | 'ceil'
}

export const maxPoolGradWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo }
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  )
  const wasm = backend as BackendWasm
  const dx = wasm.makeOutput(input.shape, 'float32')
  // Views are taken after the allocation above, which may have grown (and moved) the heap.
  const x = wasm.typedArrayFromHeap(input)
  const grad = wasm.typedArrayFromHeap(dy)
  const out = wasm.typedArrayFromHeap(dx)
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info
  const { strideHeight, strideWidth, filterHeight, filterWidth } = info
  const { top, left } = info.padInfo
  if (
    filterHeight === 2 &&
    filterWidth === 2 &&
    strideHeight === 2 &&
    strideWidth === 2 &&
    top === 0 &&
    left === 0 &&
    outHeight * 2 <= inHeight &&
    outWidth * 2 <= inWidth
  ) {
    // The common 2×2/2 pool: windows tile the input, so each window writes its four cells and
    // only rows or columns left over by an odd size need clearing.
    if (outHeight * 2 !== inHeight || outWidth * 2 !== inWidth) out.fill(0)
    const channels = inChannels
    const rowStride = inWidth * channels
    let dyIndex = 0
    for (let b = 0; b < batchSize; b++)
      for (let yR = 0; yR < outHeight; yR++)
        for (let yC = 0; yC < outWidth; yC++) {
          const p00 = ((b * inHeight + yR * 2) * inWidth + yC * 2) * channels
          const p01 = p00 + channels
          const p10 = p00 + rowStride
          const p11 = p10 + channels
          for (let d = 0; d < channels; d++, dyIndex++) {
            const v00 = x[p00 + d] as number
            const v01 = x[p01 + d] as number
            const v10 = x[p10 + d] as number
            const v11 = x[p11 + d] as number
            const g = grad[dyIndex] as number
            // Strict comparisons in window order from -Infinity, as on the cpu backend: the first
            // maximum wins, and a window with nothing above -Infinity passes no gradient.
            let best = Number.NEGATIVE_INFINITY
            let pick = -1
            if (v00 > best) {
              best = v00
              pick = 0
            }
            if (v01 > best) {
              best = v01
              pick = 1
            }
            if (v10 > best) {
              best = v10
              pick = 2
            }
            if (v11 > best) pick = 3
            out[p00 + d] = pick === 0 ? g : 0
            out[p01 + d] = pick === 1 ? g : 0
            out[p10 + d] = pick === 2 ? g : 0
            out[p11 + d] = pick === 3 ? g : 0
          }
        }
    return dx
  }
  out.fill(0)
  const channels = inChannels
  let dyIndex = 0
  for (let b = 0; b < batchSize; b++) {
    const batchBase = b * inHeight * inWidth * channels
    for (let yR = 0; yR < outHeight; yR++) {
      const rowStart = yR * strideHeight - top
      const rowFrom = Math.max(0, rowStart)
      const rowTo = Math.min(inHeight, rowStart + filterHeight)
      for (let yC = 0; yC < outWidth; yC++) {
        const colStart = yC * strideWidth - left
        const colFrom = Math.max(0, colStart)
        const colTo = Math.min(inWidth, colStart + filterWidth)
        for (let d = 0; d < channels; d++, dyIndex++) {
          let best = Number.NEGATIVE_INFINITY
          let bestIndex = -1
          for (let r = rowFrom; r < rowTo; r++) {
            let index = batchBase + (r * inWidth + colFrom) * channels + d
            for (let c = colFrom; c < colTo; c++, index += channels) {
              const value = x[index] as number
              if (value > best) {
                best = value
                bestIndex = index
              }
            }
          }
          if (bestIndex >= 0)
            out[bestIndex] = (out[bestIndex] as number) + (grad[dyIndex] as number)
        }
      }
    }
  }
  return dx
}
