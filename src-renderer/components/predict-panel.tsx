// "Try it": images dropped here (or picked with the file input) go to the client's stored model;
// each one is listed with its thumbnail, its top classes with score bars, or the error and its
// code. The images stay in the page: only their bytes travel, one request each.

import { useEffect, useId, useRef, useState, type DragEvent } from 'react'
import type { TrainingServerApi } from '../../src-shared/bridge'
import { toAppError, type AppError } from '../../src-shared/errors'
import type { PredictionResult } from '../../src-shared/predictions'
import { formatPercent } from '../format'
import { ErrorDetail } from './error-detail'

/** Tries kept on screen; older ones leave (and free their thumbnails). */
const MAX_TRIES = 12

interface Try {
  id: number
  name: string
  /** An object URL of the image, where the page can make one. */
  preview?: string
  result?: PredictionResult
  error?: AppError
}

function previewOf(file: File): string | undefined {
  return typeof URL.createObjectURL === 'function' ? URL.createObjectURL(file) : undefined
}

function release(tries: Try[], made: Set<string>): void {
  for (const t of tries)
    if (t.preview) {
      URL.revokeObjectURL(t.preview)
      made.delete(t.preview)
    }
}

/** One panel per client (the screen keys it by client): what it tried is freed when it goes. */
export function PredictPanel({
  api,
  client,
  hasModel,
}: {
  api: Pick<TrainingServerApi, 'predict'>
  client: string
  hasModel: boolean
}) {
  const inputId = useId()
  const [tries, setTries] = useState<Try[]>([])
  const [dragging, setDragging] = useState(false)
  const nextId = useRef(1)
  const previews = useRef(new Set<string>())

  useEffect(() => {
    const made = previews.current
    return () => {
      for (const url of made) URL.revokeObjectURL(url)
    }
  }, [])

  const update = (id: number, change: Partial<Try>) =>
    setTries((list) => list.map((t) => (t.id === id ? { ...t, ...change } : t)))

  const tryFiles = (files: Iterable<File>) => {
    for (const file of files) {
      const id = nextId.current++
      const preview = previewOf(file)
      if (preview) previews.current.add(preview)
      setTries((list) => {
        const kept = [{ id, name: file.name, ...(preview && { preview }) }, ...list]
        release(kept.slice(MAX_TRIES), previews.current)
        return kept.slice(0, MAX_TRIES)
      })
      void file
        .arrayBuffer()
        .then((bytes) => api.predict(client, new Uint8Array(bytes), file.type))
        .then(
          (result) => update(id, { result }),
          (thrown: unknown) => update(id, { error: toAppError(thrown) }),
        )
    }
  }

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault()
    setDragging(false)
    tryFiles(Array.from(event.dataTransfer.files))
  }

  return (
    <section className="predict-panel" aria-labelledby={`${inputId}-title`}>
      <h2 className="section-title" id={`${inputId}-title`}>
        Try it
      </h2>
      {!hasModel && (
        <p className="muted">
          Once a model of {client} is stored, images dropped here are classified by it.
        </p>
      )}
      <div
        className={dragging ? 'drop-zone drop-zone-active' : 'drop-zone'}
        onDragOver={(event) => {
          event.preventDefault()
          setDragging(true)
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <label htmlFor={inputId}>Choose images to classify, or drop them here</label>
        <input
          id={inputId}
          type="file"
          accept="image/jpeg,image/png,image/webp,image/gif,image/tiff,image/avif,image/heif"
          multiple
          disabled={!hasModel}
          onChange={(event) => {
            tryFiles(Array.from(event.target.files ?? []))
            event.target.value = ''
          }}
        />
      </div>
      {tries.length > 0 && (
        <>
          <ul className="tries" aria-label="Classified images" aria-live="polite">
            {tries.map((t) => (
              <li key={t.id} className="try">
                {t.preview ? (
                  <img src={t.preview} alt={t.name} width={96} height={96} />
                ) : (
                  <span className="try-noimage" aria-hidden="true" />
                )}
                <div className="try-body">
                  <span className="try-name mono" title={t.name}>
                    {t.name}
                  </span>
                  {t.error && <ErrorDetail error={t.error} />}
                  {!t.error && !t.result && <span className="muted">Classifying…</span>}
                  {t.result && (
                    <ol className="scores" aria-label={`Top classes of ${t.name}`}>
                      {t.result.predictions.map((p) => (
                        <li key={p.category_id} className="score">
                          <span className="score-name">{p.category}</span>
                          <span className="score-bar" aria-hidden="true">
                            <span style={{ width: `${Math.round(p.score * 100)}%` }} />
                          </span>
                          <span className="score-value">{formatPercent(p.score)}</span>
                        </li>
                      ))}
                    </ol>
                  )}
                </div>
              </li>
            ))}
          </ul>
          <button
            type="button"
            className="button button-small"
            onClick={() => {
              release(tries, previews.current)
              setTries([])
            }}
          >
            Clear
          </button>
        </>
      )}
    </section>
  )
}
