// Lint rules for the whole repo: strict TypeScript, React hooks in the renderer, the IPC boundary
// (raw ipcMain/ipcRenderer only inside the two typed wrappers) and the layering of the Folders
// table in architecture.md: each folder may import only the layers below it.
import { builtinModules } from 'node:module'
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'

/** @typedef {{ regex: string, message: string, allowTypeImports?: boolean }} ImportPattern */

const ipcPath = {
  name: 'electron',
  importNames: ['ipcMain', 'ipcRenderer'],
  message: 'Use the typed IPC wrappers in src-main/electron (ipc-main.ts, preload.ts).',
}

// Flat config replaces a rule's options in each block that sets it, so every layer's rule is
// built here with the IPC restriction included; otherwise a folder block would silently drop it.
/** @param {ImportPattern[]} [patterns] @param {{ withIpc?: boolean }} [options] */
function importRule(patterns = [], { withIpc = true } = {}) {
  return ['error', { paths: withIpc ? [ipcPath] : [], patterns }]
}

// Specifiers are matched as written: a relative import that climbs into a sibling folder of
// src-main (`../jobs/x`, `../../config/y`), a top-level folder named anywhere in it, a Node
// built-in, or a bare npm name.
const escape = (/** @type {string} */ text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const mainFolder = (/** @type {string[]} */ names) => `^(\\.\\./)+(${names.join('|')})(/|$)`
const topFolder = (/** @type {string[]} */ names) => `(^|/)(${names.join('|')})(/|$)`
const nodeBuiltin = `^(node:|(${builtinModules.map(escape).join('|')})(/|$))`
const npmExcept = (/** @type {string[]} */ allowed) =>
  `^(?![./]|node:|(${allowed.map(escape).join('|')})(/|$))`

const rule = 'see the Folders table in architecture.md'
const entryPoints = ['headless', 'index', 'worker-main']
// src-main/cache holds the record store and its eviction, infrastructure of the platform tier:
// whoever may import platform may import it, and it imports only what platform may.
const below = {
  platform: ['platform'],
  cache: ['platform', 'cache'],
  config: ['platform', 'cache', 'config'],
  storage: ['platform', 'cache', 'config', 'storage'],
  dataset: ['platform', 'cache', 'dataset'],
  engine: ['platform', 'cache', 'dataset', 'engine'],
  jobs: ['platform', 'cache', 'config', 'storage', 'dataset', 'engine', 'jobs'],
  fleet: ['platform', 'cache', 'config', 'storage', 'dataset', 'engine', 'jobs', 'fleet'],
}
// The shells may also import fleet (the workers' view); nothing below fleet may.
const mainFolders = [...below.fleet, 'http', 'electron']
const mainRootFiles = ['core', 'settings-service', ...entryPoints]

/** A folder of src-main that may import src-shared and the listed sibling folders only. */
function mainLayer(/** @type {string} */ folder, /** @type {string[]} */ allowed) {
  const others = allowed.filter((name) => name !== folder)
  const message = `src-main/${folder} may import only ${['src-shared', ...others].join(', ')}; ${rule}.`
  return [
    { regex: mainFolder(mainFolders.filter((name) => !allowed.includes(name))), message },
    { regex: mainFolder(mainRootFiles), message },
    { regex: topFolder(['src-renderer', 'test', 'bench', 'scripts']), message },
  ]
}

/**
 * The shells: jobs, src-shared and the services interface (core's types, the settings service).
 * `typeOnly` names, per deeper folder, the one module whose types the shell may take from it.
 * @param {string} folder @param {Record<string, string>} [typeOnly]
 */
function shellLayer(folder, typeOnly = {}) {
  const message = `src-main/${folder} may import only src-shared, jobs and the services interface (core.ts types, settings-service.ts); ${rule}.`
  const otherShell = folder === 'http' ? 'electron' : 'http'
  const deeper = below.jobs.filter((name) => name !== 'jobs' && !(name in typeOnly))
  return [
    { regex: mainFolder([...deeper, otherShell]), message },
    { regex: mainFolder(entryPoints), message },
    { regex: mainFolder(['core']), allowTypeImports: true, message },
    { regex: topFolder(['src-renderer', 'test', 'bench', 'scripts']), message },
    ...Object.entries(typeOnly).flatMap(([name, module]) => [
      { regex: `^(\\.\\./)+${name}(/(?!${module}$)|$)`, message },
      { regex: `^(\\.\\./)+${name}/${module}$`, allowTypeImports: true, message },
    ]),
  ]
}

/** @type {Record<string, ImportPattern[]>} */
const layers = {
  shared: [
    ...[topFolder(['src-main', 'src-renderer', 'test', 'bench', 'scripts']), nodeBuiltin].map(
      (regex) => ({
        regex,
        message: `src-shared is pure TS and imports nothing outside itself; ${rule}.`,
      }),
    ),
    {
      // jsonc-parser is plain JS with no Node or DOM use: the one package the contract parses with.
      regex: npmExcept(['jsonc-parser']),
      message: `src-shared imports nothing outside itself; ${rule}.`,
    },
  ],
  platform: mainLayer('platform', below.platform),
  cache: mainLayer('cache', below.cache),
  config: mainLayer('config', below.config),
  storage: mainLayer('storage', below.storage),
  dataset: mainLayer('dataset', below.dataset),
  engine: mainLayer('engine', below.engine),
  jobs: mainLayer('jobs', below.jobs),
  fleet: mainLayer('fleet', below.fleet),
  http: shellLayer('http'),
  // safe-storage-cipher implements config's SecretCipher with the OS keychain: the shell supplies
  // the implementation, so it takes that interface's type and nothing else of config.
  electron: shellLayer('electron', { config: 'secret-cipher' }),
  composition: [
    {
      regex: `^\\./(${['http', 'electron', ...entryPoints].join('|')})(/|$)`,
      message: `core.ts and settings-service.ts compose the layers below the shells; ${rule}.`,
    },
  ],
  renderer: [
    ...[topFolder(['src-main', 'test', 'bench', 'scripts']), nodeBuiltin].map((regex) => ({
      regex,
      message: `src-renderer may import only src-shared, its own files and browser packages; ${rule}.`,
    })),
    {
      regex: npmExcept(['react', 'react-dom', 'zustand', 'uplot', '@tanstack/react-virtual']),
      message: `src-renderer may import only src-shared, its own files and browser packages; ${rule}.`,
    },
  ],
}

const layerFiles = {
  shared: ['src-shared/**/*.{ts,tsx}'],
  platform: ['src-main/platform/**/*.ts'],
  cache: ['src-main/cache/**/*.ts'],
  config: ['src-main/config/**/*.ts'],
  storage: ['src-main/storage/**/*.ts'],
  dataset: ['src-main/dataset/**/*.ts'],
  engine: ['src-main/engine/**/*.ts'],
  jobs: ['src-main/jobs/**/*.ts'],
  fleet: ['src-main/fleet/**/*.ts'],
  http: ['src-main/http/**/*.ts'],
  electron: ['src-main/electron/**/*.ts'],
  composition: ['src-main/core.ts', 'src-main/settings-service.ts'],
  renderer: ['src-renderer/**/*.{ts,tsx}'],
}

const layerBlocks = Object.entries(layerFiles).map(([layer, files]) => ({
  files,
  rules: { '@typescript-eslint/no-restricted-imports': importRule(layers[layer]) },
}))

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'coverage/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-restricted-imports': importRule(),
    },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}', 'test/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  ...layerBlocks,
  {
    // The two wrappers are where raw IPC lives, so only their folder's layering applies to them.
    files: ['src-main/electron/ipc-main.ts', 'src-main/electron/preload.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': importRule(layers.electron, { withIpc: false }),
    },
  },
)
