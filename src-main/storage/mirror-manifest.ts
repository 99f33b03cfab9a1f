// The record of what a mirror folder holds: per key the size and ETag at its last download, and
// whether the last sync finished. It sits next to the folder, never inside it, so the folder ends
// exactly like the bucket. Written atomically and flushed to disk: a crash or a power cut leaves
// either the old record or the new one, never half of one.

import { readFile, stat } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { removeStaleTemporaries, writeFileAtomically } from '../platform/atomic-file'

export interface MirroredFile {
  bytes: number
  etag: string
}

export interface MirrorManifest {
  bucket: string
  /** True only after a sync finished; any sync in progress or failed leaves it false. */
  complete: boolean
  completedAt?: string
  objects: number
  files: Map<string, MirroredFile>
}

interface ManifestFileV1 {
  version: 1
  bucket: string
  complete: boolean
  completedAt?: string
  objects: number
  /** key → [bytes, etag]; read back with Object.entries, so keys like `__proto__` stay plain data. */
  files: Record<string, [number, string]>
}

export function manifestPath(dest: string): string {
  const folder = resolve(dest)
  return join(dirname(folder), `.${basename(folder)}.mirror.json`)
}

function parseManifest(text: string): MirrorManifest | undefined {
  const raw = JSON.parse(text) as Partial<ManifestFileV1>
  if (raw.version !== 1 || typeof raw.bucket !== 'string' || typeof raw.files !== 'object')
    return undefined
  const files = new Map<string, MirroredFile>()
  for (const [key, entry] of Object.entries(raw.files ?? {})) {
    if (Array.isArray(entry) && typeof entry[0] === 'number' && typeof entry[1] === 'string')
      files.set(key, { bytes: entry[0], etag: entry[1] })
  }
  return {
    bucket: raw.bucket,
    complete: raw.complete === true,
    ...(typeof raw.completedAt === 'string' ? { completedAt: raw.completedAt } : {}),
    objects: typeof raw.objects === 'number' ? raw.objects : files.size,
    files,
  }
}

/** The manifest, or undefined when there is none or it cannot be read (then nothing is trusted). */
export async function readManifest(dest: string): Promise<MirrorManifest | undefined> {
  try {
    return parseManifest(await readFile(manifestPath(dest), 'utf8'))
  } catch {
    return undefined
  }
}

export async function writeManifest(dest: string, manifest: MirrorManifest): Promise<void> {
  const body: ManifestFileV1 = {
    version: 1,
    bucket: manifest.bucket,
    complete: manifest.complete,
    ...(manifest.completedAt ? { completedAt: manifest.completedAt } : {}),
    objects: manifest.objects,
    files: Object.fromEntries(
      [...manifest.files].map(([key, f]) => [key, [f.bytes, f.etag] as [number, string]]),
    ),
  }
  const target = manifestPath(dest)
  // A write cut short by a kill leaves its temporary file beside the manifest; none is ever read.
  await removeStaleTemporaries(target)
  await writeFileAtomically(target, JSON.stringify(body))
}

/** True when the last sync into `dest` finished and the folder is still there. */
export async function isMirrorComplete(dest: string): Promise<boolean> {
  return (await readMirrorState(dest)) !== undefined
}

/** What the last finished sync brought into `dest`, or undefined when it is not a complete mirror. */
export async function readMirrorState(
  dest: string,
): Promise<{ bucket: string; completedAt: string; objects: number } | undefined> {
  const manifest = await readManifest(dest)
  if (!manifest?.complete || !manifest.completedAt) return undefined
  const folder = await stat(dest).catch(() => undefined)
  if (!folder?.isDirectory()) return undefined
  return { bucket: manifest.bucket, completedAt: manifest.completedAt, objects: manifest.objects }
}
