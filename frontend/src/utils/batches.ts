// A batch of calculations: the months from one to another, one task each, at most MAX_BATCH_MONTHS of them
// (the server refuses more).
export const MAX_BATCH_MONTHS = 24

/** How many months from `from` to `to` (yyyy-mm), both counted; 0 when `to` is before `from` or either is malformed. */
export function monthSpan(from: string, to: string): number {
  const parse = (p: string) => {
    const m = /^(\d{4})-(\d{2})$/.exec(p)
    return m ? Number(m[1]) * 12 + Number(m[2]) - 1 : null
  }
  const a = parse(from)
  const b = parse(to)
  if (a === null || b === null || b < a) return 0
  return b - a + 1
}
