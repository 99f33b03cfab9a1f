// The inverse of a patch matrix (col2im) on the wasm heap: a [positions, taps] matrix, one row per
// output position (n, oh, ow) and one column per filter tap (kh, kw, ci), added back onto the
// NHWC input each tap reads. Rows of taps overlap wherever windows do, hence a sum, not a copy.
//
// It exists for the input gradient of strided convolutions: dy · Wᵀ gives exactly this matrix in
// one XNNPACK product (only the small filter is packed), and the scatter costs one add per value.
// Channels are innermost on both sides, so every tap is a run of inChannels adds.

import type { TensorInfo } from '@tensorflow/tfjs'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'

/** The window geometry of one convolution (as tfjs' Conv2DInfo names it). */
export interface WindowGeometry {
  batchSize: number
  inHeight: number
  inWidth: number
  inChannels: number
  outHeight: number
  outWidth: number
  filterHeight: number
  filterWidth: number
  strideHeight: number
  strideWidth: number
  padTop: number
  padLeft: number
}

/** [batch, inHeight, inWidth, inChannels] sums of `columns` ([positions, taps], float32). */
export function scatterColumns(
  wasm: BackendWasm,
  columns: TensorInfo,
  g: WindowGeometry,
): TensorInfo {
  const { inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = g
  const dx = wasm.makeOutput([g.batchSize, inHeight, inWidth, inChannels], 'float32')
  // Views are taken after the allocation above, which may have grown (and moved) the heap.
  const out = wasm.typedArrayFromHeap(dx) as Float32Array
  const col = wasm.typedArrayFromHeap(columns) as Float32Array
  out.fill(0)
  const rowLength = filterHeight * filterWidth * inChannels
  const imageSize = inHeight * inWidth * inChannels
  let row = 0
  for (let n = 0; n < g.batchSize; n++) {
    const image = n * imageSize
    for (let oh = 0; oh < outHeight; oh++) {
      const top = oh * g.strideHeight - g.padTop
      for (let ow = 0; ow < outWidth; ow++, row += rowLength) {
        const left = ow * g.strideWidth - g.padLeft
        // Columns of the window inside the input: [kwFrom, kwTo).
        const kwFrom = Math.max(0, -left)
        const kwTo = Math.min(filterWidth, inWidth - left)
        const length = (kwTo - kwFrom) * inChannels
        if (length <= 0) continue
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = top + kh
          if (ih < 0 || ih >= inHeight) continue
          // The taps kwFrom..kwTo of this filter row are contiguous on both sides.
          const to = image + (ih * inWidth + left + kwFrom) * inChannels
          const from = row + (kh * filterWidth + kwFrom) * inChannels
          for (let i = 0; i < length; i++)
            out[to + i] = (out[to + i] as number) + (col[from + i] as number)
        }
      }
    }
  }
  return dx
}
