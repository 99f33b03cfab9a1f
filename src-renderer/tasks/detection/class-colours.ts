// One colour per detection class, the same wherever a box is drawn (dataset, results, try-it):
// picked by the class's place among the dataset's category ids, so it never depends on which
// boxes happen to be on screen. The hues stay apart for the common colour-vision deficiencies
// and read on light and dark images alike, because every box is drawn over a dark halo.

const PALETTE = [
  '#e69f00',
  '#56b4e9',
  '#009e73',
  '#f0e442',
  '#0072b2',
  '#d55e00',
  '#cc79a7',
  '#a48bff',
  '#7fd17f',
  '#ff8c8c',
] as const

/** A colour lookup by category id; ids outside `categoryIds` get the colours after theirs. */
export type ClassColours = (categoryId: number) => string

export function classColours(categoryIds: readonly number[]): ClassColours {
  const order = [...new Set(categoryIds)].sort((a, b) => a - b)
  const place = new Map(order.map((id, index) => [id, index]))
  return (categoryId) => {
    const index = place.get(categoryId) ?? order.length + Math.abs(categoryId)
    return PALETTE[index % PALETTE.length] ?? PALETTE[0]
  }
}
