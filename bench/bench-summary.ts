// Repeated measurements reduced to what a reader should quote: the median of every numeric field
// over the runs, beside the fields every run agreed on. One run is noise on a shared machine; the
// median of several is not thrown by one slow neighbour the way a mean or a best-of is.

/** The middle value (the mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** `value` rounded to `digits` decimals, as every JSON line prints its numbers. */
export function rounded(value: number, digits: number): number {
  return Number(value.toFixed(digits))
}

/** ours / theirs to three decimals, or undefined when either side is missing or zero. */
export function ratioOf(ours: unknown, theirs: unknown): number | undefined {
  if (typeof ours !== 'number' || typeof theirs !== 'number' || theirs === 0) return undefined
  return rounded(ours / theirs, 3)
}

export type BenchLine = Record<string, unknown>

/**
 * One line summing up `runs` (lines of one kind, one per run): `summary: 'median'`, the run count,
 * the median of each field that is a number in every run, and the other fields where all runs
 * agree. The `run` counter itself is dropped.
 */
export function medianLine(runs: readonly BenchLine[]): BenchLine {
  const first = runs[0] ?? {}
  const line: BenchLine = {}
  for (const key of Object.keys(first)) {
    if (key === 'run' || key === 'round') continue
    const values = runs.map((run) => run[key])
    if (values.every((value) => typeof value === 'number'))
      line[key] = rounded(median(values as number[]), 4)
    else if (values.every((value) => JSON.stringify(value) === JSON.stringify(first[key])))
      line[key] = first[key]
  }
  return { ...line, summary: 'median', runs: runs.length }
}

/**
 * Collects the lines a bench prints, grouped by `key` (say, the bench name and the side), and
 * prints one median line per group at the end when there was more than one run.
 */
export class RunLog {
  private readonly groups = new Map<string, BenchLine[]>()

  constructor(private readonly keyOf: (line: BenchLine) => string) {}

  /** Prints `line` and keeps it for the summary. */
  print(line: BenchLine): void {
    console.log(JSON.stringify(line))
    const key = this.keyOf(line)
    this.groups.set(key, [...(this.groups.get(key) ?? []), line])
  }

  /** The median line of every group that has more than one run, in first-seen order. */
  printMedians(): void {
    for (const runs of this.groups.values())
      if (runs.length > 1) console.log(JSON.stringify(medianLine(runs)))
  }
}
