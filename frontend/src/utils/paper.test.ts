import { describe, expect, it } from 'vitest'
import { PAPERS, pageRule } from './paper'

describe('paper', () => {
  it('sizes the page for an 80 mm roll and A-series sheets', () => {
    expect(pageRule('80mm')).toBe('@page { size: 80mm 297mm; margin: 2mm 3mm; }')
    expect(pageRule('A5')).toContain('size: A5;')
    expect(pageRule('A5-landscape')).toContain('size: A5 landscape;')
    expect(pageRule('A4')).toContain('size: A4;')
  })

  it('keeps the printable width within the paper less its margins', () => {
    // 80 mm less 3 mm either side.
    expect(PAPERS['80mm'].width).toBe('74mm')
    expect(parseFloat(PAPERS.A5.width)).toBeLessThanOrEqual(148 - 16)
    expect(parseFloat(PAPERS['A5-landscape'].width)).toBeLessThanOrEqual(210 - 16)
    expect(parseFloat(PAPERS.A4.width)).toBeLessThanOrEqual(210 - 24)
  })
})
