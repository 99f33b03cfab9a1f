// Where a worker thread's script is. A build runs the sibling bundle `<name>.js` as it is (each
// worker is its own chunk next to index.js, see electron.vite.config.ts). From TypeScript source
// (tsx, vitest) the thread must compile the .ts entry itself: Node 20 does not apply `--import tsx`
// given as a worker's execArgv, so the thread starts from a two-line module that registers tsx's
// loader in that thread and then imports `<name>.ts`.

export function workerEntry(name: string): { url: URL; execArgv: string[] } {
  if (!import.meta.url.endsWith('.ts'))
    return { url: new URL(`./${name}.js`, import.meta.url), execArgv: process.execArgv }
  const tsxApi = import.meta.resolve('tsx/esm/api')
  const entry = new URL(`./${name}.ts`, import.meta.url).href
  const bootstrap =
    `const { register } = await import(${JSON.stringify(tsxApi)}); register();\n` +
    `await import(${JSON.stringify(entry)});\n`
  return { url: new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), execArgv: [] }
}
