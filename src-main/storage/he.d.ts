// The part of `he` 1.2 the store's multi-delete check uses (the package ships no declarations).

declare module 'he' {
  const he: { decode(text: string): string }
  export default he
}
