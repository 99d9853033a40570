// How many room cards the waiting-room board shows at once: as many columns and rows of cards as fit the
// space left below the header, each card at least CARD_MIN_WIDTH wide and CARD_MIN_HEIGHT tall (so its called
// number stays readable from across the room). More rooms than fit are shown a page at a time.

export const CARD_MIN_WIDTH = 400
export const CARD_MIN_HEIGHT = 250
export const CARD_GAP = 16

export interface BoardGrid {
  columns: number
  rows: number
  /** Cards a page: columns × rows. */
  perPage: number
}

/** The grid for a space of `width` × `height` pixels (at least one card). */
export function boardGrid(width: number, height: number): BoardGrid {
  const fit = (space: number, size: number): number => Math.max(1, Math.floor((space + CARD_GAP) / (size + CARD_GAP)))
  const columns = fit(width, CARD_MIN_WIDTH)
  const rows = fit(height, CARD_MIN_HEIGHT)
  return { columns, rows, perPage: columns * rows }
}

/** The page count for `items` cards, `perPage` a page (at least one page). */
export function pageCount(items: number, perPage: number): number {
  return Math.max(1, Math.ceil(items / Math.max(1, perPage)))
}

/** The cards of page `page` (0-based). */
export function pageOf<T>(items: T[], page: number, perPage: number): T[] {
  return items.slice(page * perPage, (page + 1) * perPage)
}
