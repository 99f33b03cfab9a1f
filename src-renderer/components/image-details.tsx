// One dataset image in detail: a larger preview and what the dataset knows about it.

import type { DatasetImage } from '../../src-shared/dataset-view'
import { formatBytes, formatCount } from '../format'
import { BoxOverlay } from '../tasks/detection/box-overlay'
import type { ClassColours } from '../tasks/detection/class-colours'
import { ClassLegend } from '../tasks/detection/class-legend'

/** What the annotations say an image is, including the cases training cannot use. */
export function imageLabel(image: DatasetImage): string {
  if (image.label !== undefined) return image.label
  if (image.unknownCategoryId !== undefined) return `unknown category ${image.unknownCategoryId}`
  // A detection image showing several classes has no one label: what it has is its boxes.
  if (image.boxes && image.boxes.length > 0) return formatCount(image.boxes.length, 'box', 'boxes')
  return 'unlabelled'
}

export interface ImageDetailsProps {
  file?: string
  image?: DatasetImage
  previewUrl?: string
  onClose: () => void
  /** Shown for a file the dataset lacks: back to the report that named it. */
  onShowFindings?: () => void
  /** The dataset's classes and their box colours, for an image with boxes. */
  classes?: { categoryId: number; name: string }[]
  colours?: ClassColours
}

export function ImageDetails({
  file,
  image,
  previewUrl,
  onClose,
  onShowFindings,
  classes = [],
  colours,
}: ImageDetailsProps) {
  if (file === undefined)
    return (
      <aside className="image-details" aria-label="Image details">
        <p className="muted">Select an image to see its details.</p>
      </aside>
    )
  return (
    <aside className="image-details" aria-label="Image details">
      <div className="details-head">
        <h2>Image</h2>
        <button type="button" className="button-quiet" onClick={onClose}>
          Close
        </button>
      </div>
      {image && previewUrl ? (
        <div className="boxed-image">
          <img className="details-preview" src={previewUrl} alt={`Preview of ${image.file}`} />
          {colours && image.boxes && (
            <BoxOverlay
              width={image.width ?? 0}
              height={image.height ?? 0}
              colours={colours}
              fit="cover"
              labels
              boxes={image.boxes.map((box) => ({
                ...box,
                kind: 'annotation',
                label: classes.find((c) => c.categoryId === box.categoryId)?.name,
              }))}
            />
          )}
        </div>
      ) : (
        <div className="details-missing" role="note">
          <p>
            This file is named in annotations.json but is not in the dataset&apos;s images folder.
          </p>
          {onShowFindings && (
            <button type="button" className="link-button" onClick={onShowFindings}>
              Back to annotation errors
            </button>
          )}
        </div>
      )}
      {colours && image?.boxes && (
        <ClassLegend
          classes={classes.filter((c) =>
            image.boxes?.some((box) => box.categoryId === c.categoryId),
          )}
          colours={colours}
          label="Classes in this image"
        />
      )}
      <dl className="details-list">
        <dt>File</dt>
        <dd className="mono">{file}</dd>
        <dt>Size</dt>
        <dd>{image ? formatBytes(image.bytes) : '—'}</dd>
        <dt>Dimensions</dt>
        <dd>{image?.width && image.height ? `${image.width} × ${image.height}` : '—'}</dd>
        <dt>Label</dt>
        <dd>{image ? imageLabel(image) : '—'}</dd>
        {image?.boxes && (
          <>
            <dt>Boxes</dt>
            <dd>
              {formatCount(image.boxes.length, 'box', 'boxes')}
              {image.boxes.some((box) => box.iscrowd === 1)
                ? ` (${image.boxes.filter((box) => box.iscrowd === 1).length} crowd, dashed)`
                : ''}
            </dd>
          </>
        )}
        {image?.skipped && (
          <>
            <dt>Skipped</dt>
            <dd>
              <code>{image.skipped.code}</code> {image.skipped.message}
            </dd>
          </>
        )}
      </dl>
    </aside>
  )
}
