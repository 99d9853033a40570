import { describe, expect, it } from 'vitest'
import { boardGrid, pageCount, pageOf } from './boardLayout'

describe('board layout', () => {
  // The grid's space is the viewport less the board's padding (28 px a side, 20 px above and below), header
  // (48 px), footer (20 px) and the gaps between them (18 px twice).
  const space = (w: number, h: number) => boardGrid(w - 56, h - 40 - 48 - 20 - 36)

  it('fits three by two cards at 1366×768 and four by three at 1920×1080', () => {
    expect(space(1366, 768)).toEqual({ columns: 3, rows: 2, perPage: 6 })
    expect(space(1920, 1080)).toEqual({ columns: 4, rows: 3, perPage: 12 })
  })

  it('shows at least one card however small the screen', () => {
    expect(boardGrid(200, 100)).toEqual({ columns: 1, rows: 1, perPage: 1 })
  })

  it('pages the rooms', () => {
    const rooms = Array.from({ length: 14 }, (_, i) => i + 1)
    expect(pageCount(rooms.length, 6)).toBe(3)
    expect(pageCount(0, 6)).toBe(1)
    expect(pageOf(rooms, 0, 6)).toEqual([1, 2, 3, 4, 5, 6])
    expect(pageOf(rooms, 2, 6)).toEqual([13, 14])
  })
})
