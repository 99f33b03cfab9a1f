// The validation images the model got wrong, most confident first: each thumbnail with its true
// class, the class the model chose and how sure it was.

import type { Misclassification } from '../../src-shared/job-events'
import { formatPercent } from '../format'

export function MisclassifiedExamples({
  mistakes,
  thumbnailUrl,
}: {
  mistakes: Misclassification[]
  thumbnailUrl: (file: string) => string
}) {
  if (mistakes.length === 0)
    return <p className="muted">The model got every validation image right.</p>
  return (
    <ul className="mistakes" aria-label="Misclassified validation images">
      {mistakes.map((m) => (
        <li key={m.file} className="mistake">
          <img
            src={thumbnailUrl(m.file)}
            alt={`${m.file}: a ${m.actual} image predicted as ${m.predicted}`}
            loading="lazy"
            width={120}
            height={120}
          />
          <dl className="mistake-facts">
            <div>
              <dt>Actual</dt>
              <dd>{m.actual}</dd>
            </div>
            <div>
              <dt>Predicted</dt>
              <dd className="mistake-predicted">{m.predicted}</dd>
            </div>
            <div>
              <dt>Confidence</dt>
              <dd>{formatPercent(m.confidence)}</dd>
            </div>
          </dl>
          <span className="mistake-file mono" title={m.file}>
            {m.file}
          </span>
        </li>
      ))}
    </ul>
  )
}
