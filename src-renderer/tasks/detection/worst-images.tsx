// The validation images the model got most wrong: each thumbnail with the model's boxes (solid,
// with their scores) over the true ones (dashed), a segmenter's masks beneath them (predicted
// filled, true outlined), and how many it missed or made up.

import type { DetectionImageReview, ReviewBox } from '../../../src-shared/tasks/detection-metrics'
import type {
  ReviewMask,
  SegmentationImageReview,
} from '../../../src-shared/tasks/segmentation-metrics'
import { MaskOverlay, type OverlayMask } from '../../components/mask-overlay'
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

function masksOf(
  image: DetectionImageReview | SegmentationImageReview,
  colours: ClassColours,
): OverlayMask[] {
  const of = (boxes: readonly ReviewBox[], outlined: boolean): OverlayMask[] =>
    boxes.flatMap((box) => {
      const mask = (box as Partial<ReviewMask>).mask
      if (mask === undefined) return []
      const label = `${outlined ? 'true' : 'predicted'} ${box.category}`
      return [{ mask, colour: colours(box.categoryId), label, outlined }]
    })
  return [...of(image.predicted, false), ...of(image.groundTruth, true)]
}

export function WorstImages({
  images,
  colours,
  thumbnailUrl,
}: {
  images: readonly (DetectionImageReview | SegmentationImageReview)[]
  colours: ClassColours
  thumbnailUrl: (file: string) => string
}) {
  return (
    <ul className="mistakes worst-images" aria-label="Validation images with the most errors">
      {images.map((image) => (
        <li key={image.file} className="mistake worst-image">
          <div className="boxed-image">
            <img src={thumbnailUrl(image.file)} alt={image.file} loading="lazy" />
            <MaskOverlay
              width={image.width}
              height={image.height}
              fit="cover"
              masks={masksOf(image, colours)}
            />
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
