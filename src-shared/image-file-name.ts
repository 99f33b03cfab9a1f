// The rule for image file names in annotations.json (and thumbnail requests): a relative path
// with '/' separators that stays inside the dataset's images/ folder on every OS.

/** Why a file name could escape images/ (or means different files on different OSes), if it does. */
export function fileNameProblem(name: string): string | undefined {
  if (name.includes('\0')) return 'contains a NUL character'
  if (name.includes('\\')) return "contains a backslash (use '/' between folders)"
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'is an absolute path'
  if (name.split('/').includes('..')) return "has a '..' segment"
  if (normalizeFileName(name) === '') return 'names no file'
  return undefined
}

/** The form files are keyed by: '.' and empty segments dropped ("./a//b.jpg" → "a/b.jpg"). */
export function normalizeFileName(name: string): string {
  return name
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.')
    .join('/')
}
