import { describe, expect, it } from 'vitest'
import { formatMoney, fromUnits, multiplyMoney, sumMoney, toUnits } from './money'

describe('money', () => {
  it('parses decimal strings exactly', () => {
    expect(toUnits('77.0500')).toBe(770500n)
    expect(toUnits('12.5')).toBe(125000n)
    expect(toUnits('-3')).toBe(-30000n)
    expect(toUnits(0.1)).toBe(1000n)
    expect(toUnits('1.23456')).toBeNull()
    expect(toUnits('abc')).toBeNull()
    expect(toUnits(null)).toBeNull()
  })

  it('formats with ¥, two decimals and thousands separators', () => {
    expect(formatMoney('77.0500')).toBe('¥77.05')
    expect(formatMoney('1234567.5')).toBe('¥1,234,567.50')
    expect(formatMoney('0')).toBe('¥0.00')
    expect(formatMoney('-12.3400')).toBe('-¥12.34')
  })

  it('rounds half away from zero, like the server', () => {
    expect(formatMoney('0.0050')).toBe('¥0.01')
    expect(formatMoney('0.0049')).toBe('¥0.00')
    expect(formatMoney('-0.0050')).toBe('-¥0.01')
    expect(formatMoney('2.6750')).toBe('¥2.68')
  })

  it('sums without binary drift', () => {
    expect(sumMoney(['0.1', '0.2'])).toBe('0.3000')
    expect(sumMoney(['12.8000', '10.0000', '20.0000'])).toBe('42.8000')
    expect(sumMoney([])).toBe('0.0000')
  })

  it('multiplies price by quantity to four places', () => {
    expect(multiplyMoney('12.8000', 3)).toBe('38.4000')
    expect(multiplyMoney('0.3333', '0.5')).toBe('0.1667')
    expect(fromUnits(-5n)).toBe('-0.0005')
  })
})
