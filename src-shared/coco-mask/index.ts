// COCO's binary masks as its tools define them (cocoapi's maskApi): run-length encoding, the
// compressed string form, polygon rasterisation, merging, area, boxes and mask IoU. Pure and
// dependency-free, so the validator, the evaluator and the UI all compute the same pixels.

export * from './rle'
export * from './rle-string'
export * from './polygon-to-rle'
export * from './rle-merge'
export * from './mask-iou'
export * from './segmentation'
