// What a `backbone` value refers to, decided by one rule for the form, the endpoint and the loader:
// an http(s) URL, or a path. A scheme counts only with "//" after it, so a Windows path such as
// C:\models\mobilenet.h5 stays a path. Each caller words the problems for its own audience.

import { BACKBONE_MAX_LENGTH } from './train-params'

export type BackboneProblem =
  'empty' | 'too-long' | 'control-characters' | 'unsupported-scheme' | 'malformed-url'

export type BackboneReference =
  | { kind: 'path' }
  | { kind: 'url'; url: URL }
  | { kind: 'invalid'; problem: BackboneProblem; scheme?: string }

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i

export function classifyBackbone(value: string): BackboneReference {
  if (value.trim() === '') return { kind: 'invalid', problem: 'empty' }
  if (value.length > BACKBONE_MAX_LENGTH) return { kind: 'invalid', problem: 'too-long' }
  if ([...value].some((char) => char < ' ' || char === '\x7f'))
    return { kind: 'invalid', problem: 'control-characters' }
  const scheme = SCHEME.exec(value)?.[1]?.toLowerCase()
  if (scheme === undefined) return { kind: 'path' }
  if (scheme !== 'http' && scheme !== 'https')
    return { kind: 'invalid', problem: 'unsupported-scheme', scheme }
  try {
    return { kind: 'url', url: new URL(value) }
  } catch {
    return { kind: 'invalid', problem: 'malformed-url', scheme }
  }
}
