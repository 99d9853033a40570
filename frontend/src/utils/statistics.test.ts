import { describe, expect, it } from 'vitest'
import type { OutpatientRow } from '@/api/types'
import {
  bucketLabel,
  bucketOf,
  bucketStarts,
  departmentTotals,
  formatRate,
  openRooms,
  rangeProblem,
  seriesByBucket,
  seriesByDepartment,
  stillToCome,
  totalsOf,
} from './statistics'

function row(period: string, dept: [number, string, string], figures: Partial<OutpatientRow> = {}): OutpatientRow {
  return {
    period_start: period,
    department_id: dept[0],
    department_code: dept[1],
    department_name: dept[2],
    visits: 0,
    appointments: 0,
    no_shows: 0,
    no_show_rate: null,
    revenue: '0.0000',
    insurance: '0.0000',
    self_pay: '0.0000',
    refunds: '0.0000',
    net_revenue: '0.0000',
    ...figures,
  }
}

const INT: [number, string, string] = [1, 'INT', '内科']
const SUR: [number, string, string] = [2, 'SUR', '外科']
const PED: [number, string, string] = [3, 'PED', '儿科']

describe('buckets', () => {
  it('lists every day, ISO week or month that meets the range, as the server labels its rows', () => {
    expect(bucketStarts('2026-02-27', '2026-03-02', 'day')).toEqual([
      '2026-02-27',
      '2026-02-28',
      '2026-03-01',
      '2026-03-02',
    ])
    // 2026-11-22 is a Sunday: its week starts on Monday the 16th.
    expect(bucketStarts('2026-11-22', '2026-12-01', 'week')).toEqual(['2026-11-16', '2026-11-23', '2026-11-30'])
    expect(bucketStarts('2026-11-15', '2027-02-01', 'month')).toEqual([
      '2026-11-01',
      '2026-12-01',
      '2027-01-01',
      '2027-02-01',
    ])
    expect(bucketStarts('2026-03-02', '2026-03-01', 'day')).toEqual([])
    expect(bucketOf('2026-11-22', 'month')).toBe('2026-11-01')
  })

  it('labels buckets briefly for an axis', () => {
    expect(bucketLabel('2026-11-16', 'day')).toBe('11-16')
    expect(bucketLabel('2026-11-16', 'week')).toBe('11-16')
    expect(bucketLabel('2026-11-01', 'month')).toBe('2026-11')
  })
})

describe('shaping rows for charts', () => {
  const rows = [
    row('2026-11-20', INT, { visits: 3, net_revenue: '100.1000' }),
    row('2026-11-20', SUR, { visits: 1, net_revenue: '0.2000' }),
    row('2026-11-22', INT, { visits: 2, net_revenue: '-20.0000', refunds: '20.0000' }),
  ]
  const buckets = bucketStarts('2026-11-20', '2026-11-22', 'day')

  it('sums per bucket over departments and fills the buckets without rows with zero', () => {
    expect(seriesByBucket(rows, buckets, 'visits')).toEqual([4, 0, 2])
    expect(seriesByBucket(rows, buckets, 'net_revenue')).toEqual([100.3, 0, -20])
  })

  it('sums money exactly before turning it into yuan', () => {
    const tenths = Array.from({ length: 10 }, () => row('2026-11-20', INT, { revenue: '0.1000' }))
    expect(seriesByBucket(tenths, ['2026-11-20'], 'revenue')).toEqual([1])
  })

  it('ranks departments by their total, ties by code', () => {
    expect(departmentTotals(rows, 'visits')).toEqual([
      { id: 1, code: 'INT', name: '内科', value: 5 },
      { id: 2, code: 'SUR', name: '外科', value: 1 },
    ])
    const tie = [row('2026-11-20', SUR, { visits: 1 }), row('2026-11-20', INT, { visits: 1 })]
    expect(departmentTotals(tie, 'visits').map((d) => d.code)).toEqual(['INT', 'SUR'])
  })

  it('gives one series per department and folds the smallest into "others" beyond the limit', () => {
    const many = [...rows, row('2026-11-21', PED, { visits: 1 })]
    expect(seriesByDepartment(many, buckets, 'visits', 8)).toEqual([
      { id: 1, name: '内科', values: [3, 0, 2] },
      { id: 3, name: '儿科', values: [0, 1, 0] }, // a tie with 外科: PED before SUR
      { id: 2, name: '外科', values: [1, 0, 0] },
    ])
    expect(seriesByDepartment(many, buckets, 'visits', 2, '其他')).toEqual([
      { id: 1, name: '内科', values: [3, 0, 2] },
      { id: 0, name: '其他', values: [1, 1, 0] },
    ])
  })
})

describe('totals', () => {
  it('sums rows and recomputes the no-show rate from the counts, half away from zero', () => {
    const t = totalsOf([
      row('2026-11-22', INT, { visits: 5, appointments: 9, no_shows: 1, revenue: '10.5000', net_revenue: '10.5000' }),
      row('2026-11-22', SUR, { visits: 0, appointments: 7, no_shows: 0, refunds: '0.5000', net_revenue: '-0.5000' }),
    ])
    expect(t).toMatchObject({ visits: 5, appointments: 16, no_shows: 1, revenue: '10.5000', net_revenue: '10.0000' })
    expect(t.no_show_rate).toBe('0.0625')
    expect(totalsOf([row('2026-11-22', INT, { appointments: 3, no_shows: 2 })]).no_show_rate).toBe('0.6667')
    expect(totalsOf([]).no_show_rate).toBeNull()
    expect(stillToCome(t)).toBe(10)
  })

  it('formats a rate as a percentage', () => {
    expect(formatRate('0.0625')).toBe('6.3%')
    expect(formatRate(null)).toBe('—')
  })
})

describe("today's rooms", () => {
  it('counts each room once, however many open sessions it hosts', () => {
    expect(
      openRooms([
        { room_no: '门诊楼1层B区2诊室', status: 'OPEN' },
        { room_no: '门诊楼1层B区2诊室', status: 'OPEN' },
        { room_no: '门诊楼1层B区3诊室 ', status: 'OPEN' },
        { room_no: '门诊楼1层B区3诊室', status: 'OPEN' },
        { room_no: '门诊楼2层A区1诊室', status: 'CLOSED' },
        { room_no: '门诊楼2层A区2诊室', status: 'CANCELLED' },
      ]),
    ).toBe(2)
    expect(openRooms([])).toBe(0)
  })
})

describe('range limits (as the server enforces them)', () => {
  it('allows 366 days by day, five years otherwise', () => {
    expect(rangeProblem('2024-01-01', '2024-12-31', 'day')).toBeNull() // 366 days (leap year)
    expect(rangeProblem('2025-01-01', '2026-01-02', 'day')).toBe('statistics.rangeTooLongDaily')
    expect(rangeProblem('2021-03-01', '2026-02-28', 'month')).toBeNull()
    expect(rangeProblem('2021-03-01', '2026-03-01', 'week')).toBe('statistics.rangeTooLong')
    expect(rangeProblem('2026-03-02', '2026-03-01', 'day')).toBe('statistics.rangeReversed')
    expect(rangeProblem('', '2026-03-01', 'day')).toBe('statistics.rangeRequired')
  })
})
