// The address of one dataset image's thumbnail on the embedded endpoint, as the browser transport
// builds it and the endpoint's /api routes read it.

import { ROUTES } from './http-api'

export function thumbnailPath(client: string, file: string, size?: number): string {
  const path = `${ROUTES.clients}/${encodeURIComponent(client)}/thumbnails/${encodeURIComponent(file)}`
  return size === undefined ? path : `${path}?size=${Math.round(size)}`
}
