// "Try it": images dropped here (or picked with the file input) go to the client's stored model;
// each one is listed with its thumbnail, its top classes with score bars, or the error and its
// code. A detector's answer is drawn as boxes over the image (a segmenter's with its masks
// beneath), with a score threshold applied here, so moving it needs no new request. The wording
// follows the model's task: images are classified, searched for objects, or segmented. The images stay in the page: only their bytes travel,
// one request each.

import { useEffect, useId, useRef, useState, type DragEvent } from 'react'
import type { TrainingServerApi } from '../../src-shared/bridge'
import { toAppError, type AppError } from '../../src-shared/errors'
import {
  hasBox,
  hasMask,
  type DetectionPrediction,
  type PredictionResult,
} from '../../src-shared/predictions'
import { PREDICTION_DECODE } from '../../src-shared/tasks/detection-output'
import type { TrainType } from '../../src-shared/train-params'
import { formatPercent } from '../format'
import { BoxOverlay } from '../tasks/detection/box-overlay'
import { classColours, type ClassColours } from '../tasks/detection/class-colours'
import { ErrorDetail } from './error-detail'
import { MaskOverlay } from './mask-overlay'

/** How the panel speaks of trying an image, by the model's task. */
const WORDING: Record<TrainType, { verb: string; doing: string; done: string }> = {
  classification: { verb: 'classify', doing: 'Classifying…', done: 'Classified images' },
  obj_detection: { verb: 'detect objects in', doing: 'Detecting…', done: 'Images searched' },
  instance_segmentation: { verb: 'segment', doing: 'Segmenting…', done: 'Segmented images' },
}

/** The wording for a verb's past participle in "images dropped here are … by it". */
const DONE_BY: Record<TrainType, string> = {
  classification: 'classified',
  obj_detection: 'searched for objects',
  instance_segmentation: 'segmented',
}

/** Tries kept on screen; older ones leave (and free their thumbnails). */
const MAX_TRIES = 12

interface Try {
  id: number
  name: string
  /** An object URL of the image, where the page can make one. */
  preview?: string
  result?: PredictionResult
  error?: AppError
  /** The image's own size once it has loaded: a detector's boxes are in these pixels. */
  size?: { width: number; height: number }
}

/** A detector's answer: every prediction has a box. */
function detectionsOf(result: PredictionResult | undefined): DetectionPrediction[] | undefined {
  const predictions = result?.predictions
  if (!predictions || predictions.length === 0) return undefined
  return predictions.every(hasBox) ? (predictions as DetectionPrediction[]) : undefined
}

function DetectionTry({
  t,
  detections,
  threshold,
  colours,
  onSize,
}: {
  t: Try
  detections: DetectionPrediction[]
  threshold: number
  colours: ClassColours
  onSize: (size: { width: number; height: number }) => void
}) {
  const shown = detections.filter((d) => d.score >= threshold)
  return (
    <>
      {t.preview && (
        <div className="boxed-image try-boxed">
          <img
            src={t.preview}
            alt={t.name}
            onLoad={(event) =>
              onSize({
                width: event.currentTarget.naturalWidth,
                height: event.currentTarget.naturalHeight,
              })
            }
          />
          {t.size && (
            <MaskOverlay
              width={t.size.width}
              height={t.size.height}
              fit="fill"
              masks={shown.filter(hasMask).map((d) => ({
                mask: d.segmentation,
                colour: colours(d.category_id),
                label: `${d.category} ${formatPercent(d.score, 0)}`,
              }))}
            />
          )}
          {t.size && (
            <BoxOverlay
              width={t.size.width}
              height={t.size.height}
              colours={colours}
              fit="fill"
              labels
              boxes={shown.map((d) => ({
                categoryId: d.category_id,
                bbox: d.bbox,
                kind: 'predicted',
                label: `${d.category} ${formatPercent(d.score, 0)}`,
              }))}
            />
          )}
        </div>
      )}
      <div className="try-body">
        <span className="try-name mono" title={t.name}>
          {t.name}
        </span>
        <ol className="scores" aria-label={`Objects found in ${t.name}`}>
          {shown.map((d, index) => (
            <li key={index} className="score">
              <span
                className="class-swatch"
                style={{ borderColor: colours(d.category_id) }}
                aria-hidden="true"
              />
              <span className="score-name">{d.category}</span>
              <span className="score-value">{formatPercent(d.score)}</span>
            </li>
          ))}
        </ol>
        {shown.length === 0 && (
          <span className="muted">
            Nothing found at a score of {formatPercent(threshold, 0)} or more.
          </span>
        )}
        {shown.length < detections.length && (
          <span className="muted">
            {detections.length - shown.length} below the threshold not shown.
          </span>
        )}
      </div>
    </>
  )
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
  categoryIds,
  task,
}: {
  api: Pick<TrainingServerApi, 'predict'>
  client: string
  hasModel: boolean
  /** The dataset's category ids, so boxes keep the colours they have on the dataset screen. */
  categoryIds?: number[]
  /** The stored model's task as far as known; the latest answer's task wins once there is one. */
  task?: TrainType
}) {
  const inputId = useId()
  const [threshold, setThreshold] = useState(PREDICTION_DECODE.scoreThreshold)
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

  const answered = tries.map((t) => detectionsOf(t.result))
  const anyDetections = answered.some((d) => d !== undefined)
  const modelTask = tries.find((t) => t.result?.task !== undefined)?.result?.task ?? task
  const wording = WORDING[modelTask ?? 'classification']
  const colours = classColours(
    categoryIds ?? answered.flatMap((d) => d?.map((p) => p.category_id) ?? []),
  )

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
          Once a model of {client} is stored, images dropped here are{' '}
          {DONE_BY[modelTask ?? 'classification']} by it.
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
        <label htmlFor={inputId}>Choose images to {wording.verb}, or drop them here</label>
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
          {anyDetections && (
            <label className="score-threshold">
              Score threshold
              <input
                type="range"
                aria-label="Score threshold"
                min={0}
                max={1}
                step={0.05}
                value={threshold}
                onChange={(event) => setThreshold(Number(event.target.value))}
              />
              <span className="mono">{formatPercent(threshold, 0)}</span>
            </label>
          )}
          <ul className="tries" aria-label={wording.done} aria-live="polite">
            {tries.map((t, index) => {
              const detections = answered[index]
              if (detections)
                return (
                  <li key={t.id} className="try try-detection">
                    <DetectionTry
                      t={t}
                      detections={detections}
                      threshold={threshold}
                      colours={colours}
                      onSize={(size) => update(t.id, { size })}
                    />
                  </li>
                )
              return (
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
                    {!t.error && !t.result && <span className="muted">{wording.doing}</span>}
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
              )
            })}
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
