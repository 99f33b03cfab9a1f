// Which page URLs count as the window's own: the bundled UI's folder (or the development
// server's), and nothing beside it. Navigation and the trusted-sender check both ask this.

export function ownPageFilter(pageUrl: string): (url: string) => boolean {
  const pageBase = new URL('.', pageUrl).href
  return (url) => url.startsWith(pageBase)
}
