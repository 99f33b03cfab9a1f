// The desktop thumbnail URLs: what the preload builds, the main process must read back exactly.

import { describe, expect, it } from 'vitest'
import { parseThumbnailAppUrl, thumbnailAppUrl } from '../../src-shared/ipc-contract'

describe('thumbnail app URLs', () => {
  it('round-trip client, file (with spaces, slashes and unicode) and size', () => {
    const file = 'sub dir/ça va #1?.jpg'
    expect(parseThumbnailAppUrl(thumbnailAppUrl('client0', file, 128))).toEqual({
      client: 'client0',
      file,
      size: 128,
    })
    expect(parseThumbnailAppUrl(thumbnailAppUrl('client-2', 'a.png'))).toEqual({
      client: 'client-2',
      file: 'a.png',
    })
  })

  it('refuses other schemes, hosts and shapes', () => {
    expect(parseThumbnailAppUrl('https://thumbnails/client0/a.png')).toBeUndefined()
    expect(parseThumbnailAppUrl('training-server://other/client0/a.png')).toBeUndefined()
    expect(parseThumbnailAppUrl('training-server://thumbnails/client0')).toBeUndefined()
    expect(parseThumbnailAppUrl('training-server://thumbnails/client0/a/b.png')).toBeUndefined()
    expect(parseThumbnailAppUrl('not a url')).toBeUndefined()
  })
})
