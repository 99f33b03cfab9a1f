// Command-line options of the benchmark scripts: `--name value` pairs and bare `--flag`s, read
// straight from process.argv. A malformed value stops the run rather than measuring something else.

/** The value after `--name` as a positive integer, or `fallback` when the option is absent. */
export function positiveIntegerOption(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`)
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`)
  return value
}

/** The text after `--name`, or `fallback` when the option (or its value) is absent. */
export function textOption(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`)
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback
}

/** The text after `--name`, which must be one of `choices`; `fallback` when absent. */
export function choiceOption<const Choice extends string>(
  name: string,
  choices: readonly Choice[],
  fallback: Choice,
): Choice {
  const value = textOption(name, fallback)
  if (!(choices as readonly string[]).includes(value))
    throw new Error(`--${name} must be ${choices.join(' or ')}`)
  return value as Choice
}

/** Whether the bare `--name` was given. */
export function hasFlag(name: string): boolean {
  return process.argv.includes(`--${name}`)
}
