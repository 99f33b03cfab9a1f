// The validation images the detector got most wrong: each thumbnail with the model's boxes
// (solid, with their scores) over the true ones (dashed), and how many it missed or made up.

import type { DetectionImageReview, ReviewBox } from '../../../src-shared/tasks/detection-metrics'
import { formatPercent } from '../../format'
import { BoxOverlay, type OverlayBox } from './box-overlay'
import type { ClassColours } from './class-colours'

function overlayOf(box: ReviewBox, kind: OverlayBox['kind']): OverlayBox {
  return {
    categoryId: box.categoryId,
    bbox: box.bbox,
    kind,
    iscrowd: box.iscrowd,
    label: box.score === undefined ? undefined : `${box.category} ${formatPercent(box.score, 0)}`,
  }
}

export function WorstImages({
  images,
  colours,
  thumbnailUrl,
}: {
  images: DetectionImageReview[]
  colours: ClassColours
  thumbnailUrl: (file: string) => string
}) {
  return (
    <ul className="mistakes worst-images" aria-label="Validation images with the most errors">
      {images.map((image) => (
        <li key={image.file} className="mistake worst-image">
          <div className="boxed-image">
            <img src={thumbnailUrl(image.file)} alt={image.file} loading="lazy" />
            <BoxOverlay
              width={image.width}
              height={image.height}
              colours={colours}
              fit="cover"
              labels
              boxes={[
                ...image.groundTruth.map((box) => overlayOf(box, 'truth')),
                ...image.predicted.map((box) => overlayOf(box, 'predicted')),
              ]}
            />
          </div>
          <span className="mono mistake-file" title={image.file}>
            {image.file}
          </span>
          <span className="muted">
            {image.missed} missed · {image.falseDetections} false
          </span>
        </li>
      ))}
    </ul>
  )
}
