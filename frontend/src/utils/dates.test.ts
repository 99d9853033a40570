import { describe, expect, it } from 'vitest'
import { addDays, ageOn, dayRangeInstants, formatDateTime, isoWeekday, mondayOf, slotEnded, weekDates } from './dates'

describe('calendar helpers', () => {
  it('finds the Monday of a week, across month ends', () => {
    expect(mondayOf('2026-11-22')).toBe('2026-11-16') // a Sunday
    expect(mondayOf('2026-11-23')).toBe('2026-11-23') // a Monday
    expect(mondayOf('2026-03-01')).toBe('2026-02-23')
    expect(isoWeekday('2026-11-22')).toBe(7)
  })

  it('lists a week', () => {
    expect(weekDates('2026-12-28')).toEqual([
      '2026-12-28',
      '2026-12-29',
      '2026-12-30',
      '2026-12-31',
      '2027-01-01',
      '2027-01-02',
      '2027-01-03',
    ])
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29')
  })

  it('turns calendar days into a half-open range of instants, local midnight to the midnight after', () => {
    const r = dayRangeInstants('2026-11-20', '2026-11-22')
    expect(new Date(r.from).getTime()).toBe(new Date(2026, 10, 20).getTime())
    expect(new Date(r.to).getTime()).toBe(new Date(2026, 10, 23).getTime())
    expect(r.from.endsWith('Z')).toBe(true)
  })

  it('formats a time with or without seconds', () => {
    const at = new Date(2026, 10, 22, 9, 5, 7).toISOString()
    expect(formatDateTime(at)).toBe('2026-11-22 09:05')
    expect(formatDateTime(at, true)).toBe('2026-11-22 09:05:07')
  })

  it('computes ages', () => {
    expect(ageOn('1988-03-15', '2026-03-14')).toBe(37)
    expect(ageOn('1988-03-15', '2026-03-15')).toBe(38)
  })

  it('knows when a slot has ended', () => {
    const at = (h: number, m = 0) => new Date(2026, 10, 22, h, m)
    expect(slotEnded('2026-11-22', 'MORNING', at(11, 59))).toBe(false)
    expect(slotEnded('2026-11-22', 'MORNING', at(12))).toBe(true)
    expect(slotEnded('2026-11-22', 'AFTERNOON', at(17, 29))).toBe(false)
    expect(slotEnded('2026-11-22', 'EVENING', at(21))).toBe(true)
    expect(slotEnded('2026-11-23', 'MORNING', at(23))).toBe(false)
  })
})
