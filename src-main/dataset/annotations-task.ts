// What the annotations worker does: the work itself, runnable on any thread, plus the plain
// messages that carry it across (Maps and Sets survive the structured clone).

import type { Finding } from '../../src-shared/annotation-report'
import type { TrainType } from '../../src-shared/train-params'
import {
  validateAnnotations,
  type ImageFileFacts,
  type ValidationResult,
} from '../../src-shared/validate-annotations'
import { readAnnotationLabels, type AnnotationLabels } from './annotation-labels'
import { readAnnotationsText } from './annotations-text'

export type AnnotationsRequest =
  | {
      kind: 'validate'
      root: string
      trainType: TrainType
      minImagesPerClass?: number
      maxUnreadableShare?: number
      files: Map<string, ImageFileFacts>
    }
  | { kind: 'labels'; root: string }

export type ValidateAnswer =
  { result: ValidationResult } | { finding: Omit<Finding, 'severity' | 'path'> }

export interface AnnotationsAnswers {
  validate: ValidateAnswer
  labels: AnnotationLabels | undefined
}

export async function answerAnnotationsRequest(
  request: AnnotationsRequest,
): Promise<ValidateAnswer | AnnotationLabels | undefined> {
  if (request.kind === 'labels') return readAnnotationLabels(request.root)
  const annotations = await readAnnotationsText(request.root)
  if ('finding' in annotations) return annotations
  return {
    result: validateAnnotations(annotations.text, {
      trainType: request.trainType,
      minImagesPerClass: request.minImagesPerClass,
      files: request.files,
      maxUnreadableShare: request.maxUnreadableShare,
    }),
  }
}
