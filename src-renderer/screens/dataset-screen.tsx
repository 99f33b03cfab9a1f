// The selected client's mirrored dataset: class histogram (also the filter), the thumbnail grid
// and the selected image's details, with a Sync button that mirrors and validates the bucket.

import { useMemo } from 'react'
import { ClassHistogram } from '../components/class-histogram'
import { EmptyState } from '../components/empty-state'
import { ImageDetails } from '../components/image-details'
import { LoadStatus } from '../components/load-status'
import { SyncProgressBar } from '../components/sync-progress'
import { ThumbnailGrid } from '../components/thumbnail-grid'
import { formatBytes, formatCount, formatDateTime } from '../format'
import { useApi, useAppStore } from '../store/store-context'
import { classColours } from '../tasks/detection/class-colours'
import { ClassLegend } from '../tasks/detection/class-legend'

export function SyncButton() {
  const syncing = useAppStore((s) => s.syncing)
  const sync = useAppStore((s) => s.syncDataset)
  return (
    <button
      type="button"
      className="button button-primary"
      disabled={syncing}
      onClick={() => void sync()}
    >
      {syncing ? 'Syncing…' : 'Sync'}
    </button>
  )
}

export function DatasetScreen() {
  const api = useApi()
  const client = useAppStore((s) => s.selectedClient)
  const dataset = useAppStore((s) => s.dataset)
  const load = useAppStore((s) => s.datasetLoad)
  const syncing = useAppStore((s) => s.syncing)
  const syncProgress = useAppStore((s) => s.syncProgress)
  const filter = useAppStore((s) => s.classFilter)
  const selected = useAppStore((s) => s.selectedImage)
  const setFilter = useAppStore((s) => s.setClassFilter)
  const selectImage = useAppStore((s) => s.selectImage)
  const go = useAppStore((s) => s.go)

  const images = useMemo(() => {
    if (!dataset) return []
    if (!filter) return dataset.images
    // An image with boxes belongs to every class it shows.
    const id = dataset.classes.find((c) => c.name === filter)?.categoryId
    return dataset.images.filter(
      (i) => i.label === filter || i.boxes?.some((box) => box.categoryId === id),
    )
  }, [dataset, filter])
  const hasBoxes = useMemo(() => dataset?.images.some((i) => i.boxes) ?? false, [dataset])
  const colours = useMemo(
    () => (hasBoxes ? classColours(dataset?.classes.map((c) => c.categoryId) ?? []) : undefined),
    [dataset, hasBoxes],
  )
  const totalBytes = useMemo(
    () => dataset?.images.reduce((sum, i) => sum + i.bytes, 0) ?? 0,
    [dataset],
  )
  const selectedImage = dataset?.images.find((i) => i.file === selected)
  if (client === undefined) return null

  return (
    <section className="screen screen-fill" aria-labelledby="dataset-title">
      <div className="screen-head">
        <div>
          <h1 id="dataset-title">Dataset</h1>
          <p className="screen-lede" aria-live="polite">
            {syncing
              ? `Mirroring and validating ${client}…`
              : dataset?.empty
                ? `${client}'s bucket was empty at the last sync.`
                : dataset?.synced
                  ? `${formatCount(dataset.images.length, 'image')} · ${formatCount(dataset.classes.length, 'class', 'classes')} · ${formatBytes(totalBytes)}${dataset.skippedImageCount ? ` · ${dataset.skippedImageCount} skipped` : ''}${dataset.syncedAt ? ` · synced ${formatDateTime(dataset.syncedAt)}` : ''}`
                  : `${client} has not been synced yet.`}
          </p>
        </div>
        <SyncButton />
      </div>
      {syncing && <SyncProgressBar progress={syncProgress} />}
      <LoadStatus load={load} what="the dataset" />
      {dataset && !dataset.synced && (
        <EmptyState title="Not synced yet" action={<SyncButton />}>
          Sync mirrors the bucket to this computer and validates its annotations. Training syncs
          too.
        </EmptyState>
      )}
      {dataset?.empty && (
        <EmptyState title="The bucket is empty" action={<SyncButton />}>
          The last sync found no images and no coco/annotations.json in the bucket. Upload them,
          then sync again.
        </EmptyState>
      )}
      {dataset?.synced && !dataset.empty && (
        <div className="dataset-layout">
          <div className="dataset-side">
            <h2 className="panel-title">Classes</h2>
            <ClassHistogram
              classes={dataset.classes}
              total={dataset.images.length}
              filter={filter}
              onFilter={setFilter}
            />
          </div>
          <div className="dataset-main">
            <h2 className="panel-title">
              {filter
                ? `${formatCount(images.length, 'image')} labelled ${filter}`
                : formatCount(images.length, 'image')}
            </h2>
            {colours && (
              <ClassLegend classes={dataset.classes} colours={colours} label="Box colours" />
            )}
            {images.length === 0 ? (
              <EmptyState title="No images to show" />
            ) : (
              <ThumbnailGrid
                label={filter ? `Images labelled ${filter}` : 'Dataset images'}
                images={images}
                selected={selected}
                thumbnailUrl={(file) => api.thumbnailUrl(client, file, 160)}
                onSelect={selectImage}
                colours={colours}
              />
            )}
          </div>
          <ImageDetails
            file={selected}
            image={selectedImage}
            previewUrl={
              selectedImage ? api.thumbnailUrl(client, selectedImage.file, 320) : undefined
            }
            onClose={() => selectImage(undefined)}
            onShowFindings={dataset.report?.findings.length ? () => go('errors') : undefined}
            classes={dataset.classes}
            colours={colours}
          />
        </div>
      )}
    </section>
  )
}
