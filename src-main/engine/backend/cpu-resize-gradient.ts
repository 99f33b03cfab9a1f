// ResizeNearestNeighborGrad (the gradient of UpSampling2D) for the cpu backend. The shipped cpu
// kernel offsets dy by the *input's* batch stride, so from the second image of a batch on it reads
// the wrong rows (the wasm kernel is right; they disagree for any batch above 1). This one scatters
// each dy value back to the pixel the forward pass copied it from, by the same source rule: floor
// of position × scale, or round with alignCorners, clamped to the last row or column.

import {
  getKernel,
  registerKernel,
  unregisterKernel,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs'

interface ResizeGradAttrs {
  alignCorners: boolean
}

interface CpuBackendData {
  data: { get(dataId: unknown): { values: ArrayLike<number> } }
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo
}

/** For each output index along one axis, the input index the forward pass copied. */
function sourceIndices(inSize: number, outSize: number, alignCorners: boolean): Int32Array {
  const corners = alignCorners && outSize > 1
  const scale = (corners ? inSize - 1 : inSize) / (corners ? outSize - 1 : outSize)
  return Int32Array.from({ length: outSize }, (_, i) =>
    Math.min(inSize - 1, alignCorners ? Math.round(i * scale) : Math.floor(i * scale)),
  )
}

/** dx of a nearest-neighbour resize from `inShape` ([n, h, w, c]) given dy, channels last. */
export function resizeNearestNeighborGradValues(
  dy: ArrayLike<number>,
  inShape: readonly [number, number, number, number],
  outShape: readonly [number, number],
  alignCorners: boolean,
): Float32Array {
  const [batch, inHeight, inWidth, depth] = inShape
  const [outHeight, outWidth] = outShape
  const out = new Float32Array(batch * inHeight * inWidth * depth)
  const rows = sourceIndices(inHeight, outHeight, alignCorners)
  const cols = sourceIndices(inWidth, outWidth, alignCorners)
  let at = 0
  for (let b = 0; b < batch; b++)
    for (let r = 0; r < outHeight; r++) {
      const rowBase = (b * inHeight + (rows[r] as number)) * inWidth
      for (let c = 0; c < outWidth; c++) {
        const base = (rowBase + (cols[c] as number)) * depth
        for (let d = 0; d < depth; d++, at++)
          out[base + d] = (out[base + d] as number) + (dy[at] as number)
      }
    }
  return out
}

export const resizeNearestNeighborGradCpu: KernelFunc = ({ inputs, backend, attrs }) => {
  const { images, dy } = inputs as { images: TensorInfo; dy: TensorInfo }
  const { alignCorners } = attrs as unknown as ResizeGradAttrs
  const cpu = backend as unknown as CpuBackendData
  const [, outHeight, outWidth] = dy.shape as [number, number, number, number]
  const values = resizeNearestNeighborGradValues(
    cpu.data.get(dy.dataId).values,
    images.shape as [number, number, number, number],
    [outHeight, outWidth],
    alignCorners,
  )
  return cpu.makeTensorInfo(images.shape, 'float32', values)
}

let registered = false

/** Replaces the cpu backend's kernel; safe to call more than once. */
export function registerCpuResizeGradient(): void {
  if (registered) return
  registered = true
  if (getKernel('ResizeNearestNeighborGrad', 'cpu') !== undefined)
    unregisterKernel('ResizeNearestNeighborGrad', 'cpu')
  registerKernel({
    kernelName: 'ResizeNearestNeighborGrad',
    backendName: 'cpu',
    kernelFunc: resizeNearestNeighborGradCpu,
  })
}
