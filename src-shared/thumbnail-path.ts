// The address of one dataset image's thumbnail on the embedded endpoint, as the browser transport
// builds it and the endpoint's /api routes read it.

import { ROUTES } from './http-api'

/**
 * The only thumbnail sizes the server makes (the UI's grid asks for 160, its preview for 320):
 * each size is one cached file per image, so callers cannot fill the disk by varying it.
 */
export const THUMBNAIL_SIZES: readonly number[] = [64, 128, 160, 256, 320]

export function thumbnailPath(client: string, file: string, size?: number): string {
  const path = `${ROUTES.clients}/${encodeURIComponent(client)}/thumbnails/${encodeURIComponent(file)}`
  return size === undefined ? path : `${path}?size=${Math.round(size)}`
}
