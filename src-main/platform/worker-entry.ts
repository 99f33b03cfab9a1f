// Where a worker thread's script is, in a build and from TypeScript source. Every worker of the
// app starts through this one rule, so each runs the same way under tsx, vitest and a bundle.

export interface WorkerEntryOptions {
  /**
   * Packages a thread started from source loads before tsx's loader is registered: large prebuilt
   * ES modules that tsx would source-map line by line (h5wasm's 4 MB build: seconds that way, a
   * fifth of a second without). The entry's own imports of them then find them loaded.
   */
  preload?: string[]
}

/**
 * A build runs the sibling bundle `<name>.js` next to the caller's own bundle (electron-vite
 * emits each worker as its own entry). From TypeScript source (tsx, vitest) the thread must
 * compile the .ts entry itself: Node 20 does not apply `--import tsx` given as a worker's
 * execArgv, so the thread starts from a small module that registers tsx's loader in that
 * thread and then imports the .ts entry, given relative to the caller's source file.
 */
export function workerEntry(
  callerUrl: string,
  name: string,
  sourcePath: string,
  opts: WorkerEntryOptions = {},
): { url: URL; execArgv: string[] } {
  if (!callerUrl.endsWith('.ts'))
    return { url: new URL(`./${name}.js`, callerUrl), execArgv: process.execArgv }
  const tsxApi = import.meta.resolve('tsx/esm/api')
  const entry = new URL(sourcePath, callerUrl).href
  const preloads = (opts.preload ?? []).map(
    (specifier) => `await import(${JSON.stringify(import.meta.resolve(specifier))});\n`,
  )
  const bootstrap =
    preloads.join('') +
    `const { register } = await import(${JSON.stringify(tsxApi)}); register();\n` +
    `await import(${JSON.stringify(entry)});\n`
  return { url: new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), execArgv: [] }
}
