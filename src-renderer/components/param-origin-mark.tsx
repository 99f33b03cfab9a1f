// The small mark beside a training parameter's label that says where its value comes from: the
// user changed it (and what the server would use instead), or the client's dataset chose it. It
// sits beside the label, not in it, so the field's name stays the same while the user types.

import type { ParamSource } from '../../src-shared/train-defaults'

export interface ParamOrigin {
  changed: boolean
  /** Where the server's own value came from; undefined before it answered. */
  source?: ParamSource
  /** The server's value, as the form shows it. */
  serverValue: string
}

export function ParamOriginMark({ origin }: { origin: ParamOrigin }) {
  if (origin.changed)
    return (
      <span className="param-origin param-origin-changed">
        changed
        <span className="param-origin-detail">
          {' '}
          (server: {origin.serverValue}
          {origin.source === 'dataset' ? ', from dataset' : ''})
        </span>
      </span>
    )
  if (origin.source === 'dataset')
    return <span className="param-origin param-origin-dataset">from dataset</span>
  return null
}
