// One dataset image in detail: a larger preview and what the dataset knows about it.

import type { DatasetImage } from '../../src-shared/dataset-view'
import { formatBytes } from '../format'

/** What the annotations say an image is, including the cases training cannot use. */
export function imageLabel(image: DatasetImage): string {
  if (image.label !== undefined) return image.label
  if (image.unknownCategoryId !== undefined) return `unknown category ${image.unknownCategoryId}`
  return 'unlabelled'
}

export interface ImageDetailsProps {
  file?: string
  image?: DatasetImage
  previewUrl?: string
  onClose: () => void
  /** Shown for a file the dataset lacks: back to the report that named it. */
  onShowFindings?: () => void
}

export function ImageDetails({
  file,
  image,
  previewUrl,
  onClose,
  onShowFindings,
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
        <img className="details-preview" src={previewUrl} alt={`Preview of ${image.file}`} />
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
      <dl className="details-list">
        <dt>File</dt>
        <dd className="mono">{file}</dd>
        <dt>Size</dt>
        <dd>{image ? formatBytes(image.bytes) : '—'}</dd>
        <dt>Dimensions</dt>
        <dd>{image?.width && image.height ? `${image.width} × ${image.height}` : '—'}</dd>
        <dt>Label</dt>
        <dd>{image ? imageLabel(image) : '—'}</dd>
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
