// The depthwise convolution gradients the wasm backend does not ship, so that MobileNet-style
// layers (DepthwiseConv2D) can be fine-tuned on it. Each channel of a depthwise convolution is a
// separate 2-D correlation, and so is each gradient: both are rewritten as one forward
// DepthwiseConv2dNative on rearranged tensors, which reaches XNNPACK (SIMD, threads).

import { backend_util, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs'
import { fitBorder, spreadByStride, type ExplicitPadding } from './conv-borders'
import { WasmKernelScope } from './wasm-kernel-scope'

export interface DepthwiseBackpropAttrs {
  strides: number | [number, number]
  pad: 'valid' | 'same' | number | ExplicitPadding
  dilations?: number | [number, number]
  dimRoundingMode?: 'floor' | 'round' | 'ceil'
}

/** The geometry of a depthwise convolution, as the forward kernel and both gradients see it. */
export function depthwiseInfo(
  xShape: number[],
  filterShape: number[],
  attrs: DepthwiseBackpropAttrs,
): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  )
}

function depthwiseConv(
  scope: WasmKernelScope,
  x: TensorInfo,
  filter: TensorInfo,
  pad: ExplicitPadding,
  strides: [number, number],
  dilations: [number, number],
): TensorInfo {
  return scope.run('DepthwiseConv2dNative', { x, filter }, {
    strides,
    pad,
    dilations,
    dataFormat: 'NHWC',
  } as unknown as NamedAttrMap)
}

/** Adds zero rows above and below every image of a [n, h, w, c] tensor. */
function padRows(scope: WasmKernelScope, t: TensorInfo, above: number, below: number): TensorInfo {
  if (above === 0 && below === 0) return t
  return scope.run(
    'PadV2',
    { x: t },
    {
      paddings: [
        [0, 0],
        [above, below],
        [0, 0],
        [0, 0],
      ],
      constantValue: 0,
    },
  )
}

/**
 * dW[i, j, c, m] = Σ x[b, s·oh + d·i − top, s·ow + d·j − left, c] · dy[b, oh, ow, c·M + m]: per
 * channel a correlation of x with dy, summed over images. Stacking the images one above the other
 * (each in a block of zero-padded rows, so no window reaches into its neighbour) turns it into one
 * depthwise conv of that tall image with dy as the filter (dilated by the forward stride, stride =
 * the forward dilation) whose output is dW itself: the channel axis stays innermost, so the
 * rearranging is two pads instead of transposes and the sum over images happens inside XNNPACK.
 */
export const depthwiseConv2dBackpropFilterWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo }
  const a = attrs as unknown as DepthwiseBackpropAttrs & { filterShape: number[] }
  const info = depthwiseInfo(x.shape, a.filterShape, a)
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info
  const { dilationHeight, dilationWidth } = info
  const { top, left } = info.padInfo
  // Rows per image block in dy (real rows, then zeros) and in x (block = rows · stride): enough
  // for every window of the image and for the image itself below its top padding.
  const reach = (outHeight - 1) * strideHeight + (filterHeight - 1) * dilationHeight + 1
  const blockRows = Math.max(
    Math.ceil(reach / strideHeight),
    Math.ceil((top + inHeight) / strideHeight),
  )
  const blockHeight = blockRows * strideHeight
  const right = Math.max(
    0,
    (outWidth - 1) * strideWidth + (filterWidth - 1) * dilationWidth + 1 - inWidth - left,
  )
  const scope = new WasmKernelScope(backend)
  try {
    const xBlocks = padRows(scope, x, top, blockHeight - inHeight - top)
    const tall = scope.run(
      'Reshape',
      { x: xBlocks },
      { shape: [1, batchSize * blockHeight, inWidth, inChannels] },
    )
    const dyBlocks = padRows(scope, dy, 0, blockRows - outHeight)
    const dyAsFilter = scope.run(
      'Reshape',
      { x: dyBlocks },
      { shape: [batchSize * blockRows, outWidth, inChannels, outChannels / inChannels] },
    )
    // The last block's windows may need rows below the tall image: zeros, as conv padding.
    const bottom = Math.max(0, (filterHeight - 1) * dilationHeight + 1 - strideHeight)
    let grad = depthwiseConv(
      scope,
      tall,
      dyAsFilter,
      [
        [0, 0],
        [0, bottom],
        [left, right],
        [0, 0],
      ],
      [dilationHeight, dilationWidth],
      [strideHeight, strideWidth],
    )
    // A stride wider than the filter reaches leaves extra output rows or columns; drop them.
    if (grad.shape[1] !== filterHeight || grad.shape[2] !== filterWidth)
      grad = scope.run(
        'Slice',
        { x: grad },
        { begin: [0, 0, 0, 0], size: [1, filterHeight, filterWidth, outChannels] },
      )
    return scope.finish(
      scope.run('Reshape', { x: grad }, { shape: info.filterShape as unknown as number[] }),
    )
  } catch (error) {
    scope.abandon()
    throw error
  }
}

/**
 * dx = dy (with stride − 1 zeros between its rows and columns) correlated, channel by channel,
 * with the filter rotated by 180°, padded so the result has the input's size. With a channel
 * multiplier M the M products of each input channel are then summed.
 */
export const depthwiseConv2dBackpropInputWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo }
  const a = attrs as unknown as DepthwiseBackpropAttrs & { inputShape: number[] }
  const info = depthwiseInfo(a.inputShape, filter.shape, a)
  const { batchSize, inHeight, inWidth, inChannels, outChannels } = info
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info
  const { dilationHeight, dilationWidth, effectiveFilterHeight, effectiveFilterWidth } = info
  const multiplier = outChannels / inChannels
  const scope = new WasmKernelScope(backend)
  try {
    const spread = spreadByStride(scope, dy, strideHeight, strideWidth)
    const spreadHeight = spread.shape[1] as number
    const spreadWidth = spread.shape[2] as number
    const top = effectiveFilterHeight - 1 - info.padInfo.top
    const left = effectiveFilterWidth - 1 - info.padInfo.left
    const bottom = inHeight + effectiveFilterHeight - 1 - spreadHeight - top
    const right = inWidth + effectiveFilterWidth - 1 - spreadWidth - left
    const fitted = fitBorder(scope, spread, [top, bottom], [left, right])
    const rotated = scope.run('Reverse', { x: filter }, { dims: [0, 1] })
    const perOutput = scope.run(
      'Reshape',
      { x: rotated },
      { shape: [filterHeight, filterWidth, outChannels, 1] },
    )
    const products = depthwiseConv(
      scope,
      fitted.t,
      perOutput,
      fitted.pad,
      [1, 1],
      [dilationHeight, dilationWidth],
    )
    if (multiplier === 1) return scope.finish(products)
    const split = scope.run(
      'Reshape',
      { x: products },
      { shape: [batchSize, inHeight, inWidth, inChannels, multiplier] },
    )
    return scope.finish(scope.run('Sum', { x: split }, { axis: [4], keepDims: false }))
  } catch (error) {
    scope.abandon()
    throw error
  }
}
