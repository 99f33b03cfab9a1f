// Build of the three parts of the desktop app. Our folders are not electron-vite's defaults, so
// every entry is explicit: the main process (with the training, annotations and predictor workers as their
// own chunks next to index.js), the preload (CommonJS, as sandboxed preloads must be) and the renderer.

import react from '@vitejs/plugin-react'
import { defineConfig, type UserConfig } from 'electron-vite'
import { resolve } from 'node:path'

const root = import.meta.dirname

// Native and wasm packages load their own binaries at run time: keep them out of the bundle.
const NATIVE_DEPENDENCIES = [
  'sharp',
  'h5wasm',
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-layers',
  '@tensorflow/tfjs-backend-cpu',
  '@tensorflow/tfjs-node',
  's3rver',
  '@aws-sdk/client-s3',
  '@aws-sdk/lib-storage',
]

/** The renderer's build, also used on its own by the UI tests (they need no Electron parts). */
export const rendererConfig: NonNullable<UserConfig['renderer']> = {
  root: resolve(root, 'src-renderer'),
  // Relative asset URLs: the same build loads from file:// in the app and from the endpoint.
  base: './',
  plugins: [react()],
  build: {
    outDir: resolve(root, 'out/renderer'),
    emptyOutDir: true,
    rolldownOptions: { input: resolve(root, 'src-renderer/index.html') },
  },
}

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      externalizeDeps: { include: NATIVE_DEPENDENCIES },
      rolldownOptions: {
        input: {
          index: resolve(root, 'src-main/index.ts'),
          'training-worker': resolve(root, 'src-main/engine/worker/training-worker.ts'),
          'annotations-worker': resolve(root, 'src-main/dataset/annotations-worker.ts'),
          'predictor-worker': resolve(root, 'src-main/engine/worker/predictor-worker.ts'),
        },
        output: { entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      // A sandboxed preload can require nothing but Electron: bundle everything it uses.
      externalizeDeps: false,
      rolldownOptions: {
        input: { preload: resolve(root, 'src-main/electron/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: rendererConfig,
})
