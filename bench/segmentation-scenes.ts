// A segmentation dataset of real items: detection-scenes.ts's Fashion-MNIST scenes, each object's
// mask its silhouette as the scene shows it (the item's pixels brighter than its black surround,
// less what later items cover), written as COCO's compressed RLE through the project's mask
// library. The same options give the same scenes and boxes as the detection set.

import { rleEncodeRowMajor } from '../src-shared/coco-mask/rle'
import { rleToCompressed, type CompressedRle } from '../src-shared/coco-mask/rle-string'
import {
  detectionScenes,
  removeDetectionSceneCaches,
  type SceneLayout,
  type SceneOptions,
} from './detection-scenes'

const CACHE_PREFIX = 'training-server-segmentation-scenes-'

/** One object's visible pixels as compressed RLE (COCO's column-major runs). */
export function silhouetteSegmentation(
  owner: Int16Array,
  box: number,
  size: number,
): CompressedRle {
  const mask = new Uint8Array(size * size)
  owner.forEach((id, n) => {
    if (id === box) mask[n] = 1
  })
  return rleToCompressed(rleEncodeRowMajor(mask, size, size))
}

const SEGMENTATION_LAYOUT: SceneLayout = {
  cachePrefix: CACHE_PREFIX,
  annotate: (owner, box, size) => ({ segmentation: silhouetteSegmentation(owner, box, size) }),
}

/** The scenes with masks as a COCO-layout folder; cached as detectionScenes caches its own. */
export function segmentationScenes(options: SceneOptions, folder?: string): Promise<string> {
  return detectionScenes(options, folder, SEGMENTATION_LAYOUT)
}

export function removeSegmentationSceneCaches(): Promise<number> {
  return removeDetectionSceneCaches(CACHE_PREFIX)
}
