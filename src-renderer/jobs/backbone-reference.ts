// The transfer backbone as the form takes it: a path on the server or an http(s) URL of a TF.js
// model.json or Keras .h5 file. Checked with the server's rule (src-shared/backbone-reference)
// so a bad value is caught at the field rather than refused after the request.

import { classifyBackbone, type BackboneProblem } from '../../src-shared/backbone-reference'
import { BACKBONE_MAX_LENGTH } from '../../src-shared/train-params'

/** Why the typed backbone cannot be sent, naming the field; undefined when it can. */
export function backboneProblem(raw: string): string | undefined {
  const value = raw.trim()
  const reference = classifyBackbone(value)
  if (reference.kind !== 'invalid') return undefined
  const messages: Record<BackboneProblem, string> = {
    empty: 'Backbone: enter the path or http(s) URL of a model.json or .h5 file',
    'too-long': `Backbone: at most ${BACKBONE_MAX_LENGTH} characters (${value.length} typed)`,
    'control-characters': 'Backbone: remove the control characters',
    'unsupported-scheme': `Backbone: ${reference.scheme ?? ''}: URLs are not supported; use an http(s) URL or a path`,
    'malformed-url': 'Backbone: not a valid URL',
  }
  return messages[reference.problem]
}
