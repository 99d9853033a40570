import { describe, expect, it } from 'vitest'
import { formatCount, formatDecimal, formatQuantity } from './numbers'

describe('numbers on screen', () => {
  it('shows counts as whole numbers grouped by thousands', () => {
    expect(formatCount(1207)).toBe('1,207')
    expect(formatCount('1207')).toBe('1,207')
    expect(formatCount('1207.0000')).toBe('1,207')
    expect(formatCount(0)).toBe('0')
    expect(formatCount(1234567)).toBe('1,234,567')
    expect(formatCount(-12)).toBe('-12')
    expect(formatCount(2.5)).toBe('3')
    expect(formatCount(-2.5)).toBe('-3')
    expect(formatCount(null)).toBe('')
  })

  it('shows a quantity with the decimals it has, and its unit', () => {
    expect(formatQuantity('1.0000', '盒')).toBe('1 盒')
    expect(formatQuantity('0.5000', '盒')).toBe('0.5 盒')
    expect(formatQuantity('2.2500')).toBe('2.25')
    expect(formatQuantity('0.0001', 'g')).toBe('0.0001 g')
    expect(formatQuantity('1207.0000', ' ')).toBe('1,207')
    expect(formatQuantity(3, null)).toBe('3')
    expect(formatQuantity(undefined, '盒')).toBe('')
  })

  it('rounds decimal figures half away from zero within the places asked for', () => {
    expect(formatDecimal('1234567.5000', 2, 2)).toBe('1,234,567.50')
    expect(formatDecimal('0.0050', 2, 2)).toBe('0.01')
    expect(formatDecimal('-0.0050', 2, 2)).toBe('-0.01')
    expect(formatDecimal('-0.0049', 2, 2)).toBe('0.00')
    expect(formatDecimal('1.2000', 2, 4)).toBe('1.20')
    expect(formatDecimal('abc')).toBe('abc')
    expect(formatDecimal(null)).toBe('')
  })
})
