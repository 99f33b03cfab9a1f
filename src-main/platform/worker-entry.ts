// Where a worker thread's script is, in a build and from TypeScript source. Every worker of the
// app starts through this one rule, so each runs the same way under tsx, vitest and a bundle.

/**
 * A build runs the sibling bundle `<name>.js` next to the caller's own bundle (electron-vite
 * emits each worker as its own entry). From TypeScript source (tsx, vitest) the thread must
 * compile the .ts entry itself: Node 20 does not apply `--import tsx` given as a worker's
 * execArgv, so the thread starts from a two-line module that registers tsx's loader in that
 * thread and then imports the .ts entry, given relative to the caller's source file.
 */
export function workerEntry(
  callerUrl: string,
  name: string,
  sourcePath: string,
): { url: URL; execArgv: string[] } {
  if (!callerUrl.endsWith('.ts'))
    return { url: new URL(`./${name}.js`, callerUrl), execArgv: process.execArgv }
  const tsxApi = import.meta.resolve('tsx/esm/api')
  const entry = new URL(sourcePath, callerUrl).href
  const bootstrap =
    `const { register } = await import(${JSON.stringify(tsxApi)}); register();\n` +
    `await import(${JSON.stringify(entry)});\n`
  return { url: new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), execArgv: [] }
}
