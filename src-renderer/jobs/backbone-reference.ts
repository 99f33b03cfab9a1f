// The transfer backbone as the form takes it: a path on the server or an http(s) URL of a TF.js
// model.json or Keras .h5 file. Checked with the server's rules so a bad value is caught at the
// field rather than refused after the request.

import { BACKBONE_MAX_LENGTH } from '../../src-shared/train-params'

// A scheme counts only with "//" after it, as on the server, so "C:\models\a.h5" stays a path.
const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\x00-\x1f\x7f]/

/** Why the typed backbone cannot be sent, naming the field; undefined when it can. */
export function backboneProblem(raw: string): string | undefined {
  const value = raw.trim()
  if (value === '') return 'Backbone: enter the path or http(s) URL of a model.json or .h5 file'
  if (value.length > BACKBONE_MAX_LENGTH)
    return `Backbone: at most ${BACKBONE_MAX_LENGTH} characters (${value.length} typed)`
  if (CONTROL.test(value)) return 'Backbone: remove the control characters'
  const scheme = SCHEME.exec(value)?.[1]?.toLowerCase()
  if (scheme === undefined) return undefined
  if (scheme !== 'http' && scheme !== 'https')
    return `Backbone: ${scheme}: URLs are not supported; use an http(s) URL or a path`
  try {
    new URL(value)
  } catch {
    return 'Backbone: not a valid URL'
  }
  return undefined
}
