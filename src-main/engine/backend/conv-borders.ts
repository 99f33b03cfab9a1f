// The spatial borders of the convolution gradients on wasm: each gradient is one forward
// convolution whose input must first get the right border (padding or cropping) and, for the
// input gradient, the forward stride's gaps back. Shared by the plain and depthwise kernels.

import type { TensorInfo } from '@tensorflow/tfjs'
import type { WasmKernelScope } from './wasm-kernel-scope'

/** Per-dimension [before, after] padding of an NHWC tensor, as the conv kernels take it. */
export type ExplicitPadding = [
  [number, number],
  [number, number],
  [number, number],
  [number, number],
]

/**
 * Gives a [n, h, w, c] tensor the requested spatial border: positive amounts become the conv's
 * explicit padding (no copy), negative ones are cropped off first.
 */
export function fitBorder(
  scope: WasmKernelScope,
  t: TensorInfo,
  [top, bottom]: [number, number],
  [left, right]: [number, number],
): { t: TensorInfo; pad: ExplicitPadding } {
  const [cropTop, cropBottom, cropLeft, cropRight] = [top, bottom, left, right].map((amount) =>
    Math.max(0, -amount),
  ) as [number, number, number, number]
  let fitted = t
  if (cropTop + cropBottom + cropLeft + cropRight > 0) {
    const [n, h, w, c] = t.shape as [number, number, number, number]
    fitted = scope.run(
      'Slice',
      { x: t },
      {
        begin: [0, cropTop, cropLeft, 0],
        size: [n, h - cropTop - cropBottom, w - cropLeft - cropRight, c],
      },
    )
  }
  const pad: ExplicitPadding = [
    [0, 0],
    [Math.max(0, top), Math.max(0, bottom)],
    [Math.max(0, left), Math.max(0, right)],
    [0, 0],
  ]
  return { t: fitted, pad }
}

/** Puts stride − 1 zeros after every row and column of a [n, h, w, c] tensor. */
export function spreadByStride(
  scope: WasmKernelScope,
  t: TensorInfo,
  strideHeight: number,
  strideWidth: number,
): TensorInfo {
  if (strideHeight === 1 && strideWidth === 1) return t
  const [n, h, w, c] = t.shape as [number, number, number, number]
  const split = scope.run('Reshape', { x: t }, { shape: [n, h, 1, w, 1, c] })
  const zeros = scope.run(
    'PadV2',
    { x: split },
    {
      paddings: [
        [0, 0],
        [0, 0],
        [0, strideHeight - 1],
        [0, 0],
        [0, strideWidth - 1],
        [0, 0],
      ],
      constantValue: 0,
    },
  )
  return scope.run('Reshape', { x: zeros }, { shape: [n, h * strideHeight, w * strideWidth, c] })
}
