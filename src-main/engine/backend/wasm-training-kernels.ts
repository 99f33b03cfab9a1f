// Everything the wasm backend needs to train this project's models quickly: the convolution
// gradients it lacks or runs slowly, a faster MaxPoolGrad, matrix products kept on XNNPACK, and a
// batch-norm gradient without full-size tiling. Kernels are swapped only on wasm; the gradient is
// backend-neutral and gives the same numbers everywhere.

import {
  getKernel,
  registerKernel,
  unregisterKernel,
  type KernelConfig,
  type KernelFunc,
} from '@tensorflow/tfjs'
import { registerBatchNormGradient } from './batch-norm-gradient'
import { conv2dBackpropFilterWasm, conv2dBackpropInputWasm } from './wasm-conv-gradients'
import {
  depthwiseConv2dBackpropFilterWasm,
  depthwiseConv2dBackpropInputWasm,
} from './wasm-depthwise-gradients'
import { matMulUntransposed } from './wasm-matmul'
import { maxPoolGradWasm } from './wasm-pool-gradients'

function replaceWasmKernel(kernelName: string, make: (shipped?: KernelFunc) => KernelFunc): void {
  const shipped = getKernel(kernelName, 'wasm')
  if (shipped !== undefined) unregisterKernel(kernelName, 'wasm')
  const config: KernelConfig = {
    kernelName,
    backendName: 'wasm',
    kernelFunc: make(shipped?.kernelFunc),
  }
  // A shipped kernel kept as a fallback still needs its one-time setup with the backend.
  if (shipped?.setupFunc !== undefined) config.setupFunc = shipped.setupFunc
  registerKernel(config)
}

let registered = false

/** Installs the kernels; call before the wasm backend initialises. */
export function registerWasmTrainingKernels(): void {
  if (registered) return
  registered = true
  replaceWasmKernel('Conv2DBackpropFilter', () => conv2dBackpropFilterWasm)
  replaceWasmKernel('Conv2DBackpropInput', (shipped) => conv2dBackpropInputWasm(shipped))
  replaceWasmKernel('MaxPoolGrad', () => maxPoolGradWasm)
  replaceWasmKernel('DepthwiseConv2dNativeBackpropFilter', () => depthwiseConv2dBackpropFilterWasm)
  replaceWasmKernel('DepthwiseConv2dNativeBackpropInput', () => depthwiseConv2dBackpropInputWasm)
  for (const kernelName of ['BatchMatMul', '_FusedMatMul'])
    replaceWasmKernel(kernelName, (shipped) => {
      if (shipped === undefined) throw new Error(`The wasm backend has no ${kernelName} kernel`)
      return matMulUntransposed(shipped)
    })
  registerBatchNormGradient()
}
