import { describe, expect, it } from 'vitest'
import { changeRate, reportFilename, reportSeries, SERIES_FIELD } from './departmentReport'

describe('reportSeries', () => {
  it('orders the five series as the value summary does, filling in the missing ones', () => {
    const rows = reportSeries([
      { series: 'NET', value: '80.0000', previous: '100.0000', change: '-20.0000' },
      { series: 'DOCTOR', value: '120.0000', previous: null, change: null },
      { series: 'OTHER', value: '1.0000' },
    ])
    expect(rows.map((r) => r.series)).toEqual(['DOCTOR', 'NURSING', 'TECH', 'COST', 'NET'])
    expect(rows[0]).toEqual({ series: 'DOCTOR', value: '120.0000', previous: null, change: null, rate: null })
    expect(rows[1]).toEqual({ series: 'NURSING', value: null, previous: null, change: null, rate: null })
    expect(rows[4]?.rate).toBe('-0.2000')
  })

  it('names each series by its value summary column', () => {
    expect(SERIES_FIELD.COST).toBe('cost_value')
    expect(SERIES_FIELD.NET).toBe('net_value')
  })
})

describe('changeRate', () => {
  it('is the change over the size of the month before', () => {
    expect(changeRate('150.0000', '100.0000')).toBe('0.5000')
    // A cost (negative) that grew in size: its rate is negative, as its value fell.
    expect(changeRate('-150.0000', '-100.0000')).toBe('-0.5000')
    expect(changeRate('50.0000', '-100.0000')).toBe('1.5000')
    expect(changeRate('1.0000', '3.0000')).toBe('-0.6667')
  })

  it('has none without a month before, or from zero', () => {
    expect(changeRate('1.0000', null)).toBeNull()
    expect(changeRate(null, '1.0000')).toBeNull()
    expect(changeRate('1.0000', '0.0000')).toBeNull()
  })
})

describe('reportFilename', () => {
  it('names the task and the department', () => {
    expect(reportFilename(7, 'INT')).toBe('calculation-7-department-INT.xlsx')
  })
})
