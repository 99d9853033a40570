// Shapes the outpatient statistics (one row per bucket and department, only where a figure is not zero)
// into what the dashboard and the statistics screen draw: every bucket of the range, zeros filled in, sums
// per bucket or per department, and today's figures (and the rooms open). Money is summed exactly in ten-thousandths and turned
// into a number of yuan only at the end, for the charts.
import type { Granularity, OutpatientRow, OutpatientTotals, Schedule } from '@/api/types'
import { addDays, mondayOf, parseIsoDate, pad2 } from './dates'
import { fromUnits, toUnits } from './money'

export const COUNT_METRICS = ['visits', 'appointments', 'no_shows'] as const
export const MONEY_METRICS = ['net_revenue', 'revenue', 'insurance', 'self_pay', 'refunds'] as const
export type CountMetric = (typeof COUNT_METRICS)[number]
export type MoneyMetric = (typeof MONEY_METRICS)[number]
export type Metric = CountMetric | MoneyMetric

export function isMoneyMetric(metric: Metric): metric is MoneyMetric {
  return (MONEY_METRICS as readonly string[]).includes(metric)
}

/** The first day of the bucket that holds `date`. */
export function bucketOf(date: string, granularity: Granularity): string {
  if (granularity === 'week') return mondayOf(date)
  if (granularity === 'month') return `${date.slice(0, 7)}-01`
  return date
}

function nextBucket(start: string, granularity: Granularity): string {
  if (granularity === 'day') return addDays(start, 1)
  if (granularity === 'week') return addDays(start, 7)
  const d = parseIsoDate(start)
  return `${d.getMonth() === 11 ? d.getFullYear() + 1 : d.getFullYear()}-${pad2(((d.getMonth() + 1) % 12) + 1)}-01`
}

/** The first day of every bucket that meets [from, to], in order (as the server labels its rows). */
export function bucketStarts(from: string, to: string, granularity: Granularity): string[] {
  const out: string[] = []
  if (from > to) return out
  for (let b = bucketOf(from, granularity); b <= to; b = nextBucket(b, granularity)) out.push(b)
  return out
}

/** A bucket's short label on a chart axis: "11-22" for a day or a week (its Monday), "2026-11" for a month. */
export function bucketLabel(start: string, granularity: Granularity): string {
  return granularity === 'month' ? start.slice(0, 7) : start.slice(5)
}

/** Ten-thousandths → yuan as a number rounded to cents: for drawing only, never for arithmetic. */
function toYuan(units: bigint): number {
  return Math.round(Number(units) / 100) / 100
}

function unitsOf(row: OutpatientRow, metric: Metric): bigint {
  return isMoneyMetric(metric) ? (toUnits(row[metric]) ?? 0n) : BigInt(row[metric])
}

function finish(units: bigint, metric: Metric): number {
  return isMoneyMetric(metric) ? toYuan(units) : Number(units)
}

/** The metric per bucket over all the rows' departments, 0 for a bucket without rows. */
export function seriesByBucket(rows: OutpatientRow[], buckets: string[], metric: Metric): number[] {
  const sums = new Map<string, bigint>(buckets.map((b) => [b, 0n]))
  for (const row of rows) {
    const current = sums.get(row.period_start)
    if (current !== undefined) sums.set(row.period_start, current + unitsOf(row, metric))
  }
  return buckets.map((b) => finish(sums.get(b) ?? 0n, metric))
}

export interface DepartmentFigure {
  id: number
  code: string
  name: string
  value: number
}

/** The metric summed per department over the whole range, largest first (then by code). */
export function departmentTotals(rows: OutpatientRow[], metric: Metric): DepartmentFigure[] {
  const sums = new Map<number, { code: string; name: string; units: bigint }>()
  for (const row of rows) {
    const entry = sums.get(row.department_id) ?? { code: row.department_code, name: row.department_name, units: 0n }
    entry.units += unitsOf(row, metric)
    sums.set(row.department_id, entry)
  }
  return [...sums.entries()]
    .map(([id, e]) => ({ id, code: e.code, name: e.name, units: e.units }))
    .sort((a, b) => (a.units === b.units ? a.code.localeCompare(b.code) : a.units > b.units ? -1 : 1))
    .map(({ id, code, name, units }) => ({ id, code, name, value: finish(units, metric) }))
}

export interface DepartmentSeries {
  id: number
  name: string
  values: number[]
}

/**
 * The metric per bucket, one series per department (largest total first). Departments beyond `limit` are
 * summed into one series named `othersName`, so a stacked chart stays readable with many departments.
 */
export function seriesByDepartment(
  rows: OutpatientRow[],
  buckets: string[],
  metric: Metric,
  limit = 8,
  othersName = 'Others',
): DepartmentSeries[] {
  const ranked = departmentTotals(rows, metric)
  const shown = new Set(ranked.slice(0, ranked.length > limit ? limit - 1 : limit).map((d) => d.id))
  const series = ranked.filter((d) => shown.has(d.id)).map((d) => ({ id: d.id, name: d.name }))
  const others = ranked.length > shown.size
  const all = others ? [...series, { id: 0, name: othersName }] : series
  return all.map(({ id, name }) => ({
    id,
    name,
    values: seriesByBucket(
      rows.filter((r) => (id === 0 ? !shown.has(r.department_id) : r.department_id === id)),
      buckets,
      metric,
    ),
  }))
}

/** The totals of some rows (e.g. today's), the rate recomputed from the summed counts as the server does. */
export function totalsOf(rows: OutpatientRow[]): OutpatientTotals {
  let visits = 0
  let appointments = 0
  let noShows = 0
  const money = { revenue: 0n, insurance: 0n, self_pay: 0n, refunds: 0n, net_revenue: 0n }
  for (const row of rows) {
    visits += row.visits
    appointments += row.appointments
    noShows += row.no_shows
    for (const key of MONEY_METRICS) money[key] += toUnits(row[key]) ?? 0n
  }
  return {
    visits,
    appointments,
    no_shows: noShows,
    no_show_rate: appointments > 0 ? rate(noShows, appointments) : null,
    revenue: fromUnits(money.revenue),
    insurance: fromUnits(money.insurance),
    self_pay: fromUnits(money.self_pay),
    refunds: fromUnits(money.refunds),
    net_revenue: fromUnits(money.net_revenue),
  }
}

/** part ÷ whole to four places, half away from zero, as a decimal string ("0.0500"). */
function rate(part: number, whole: number): string {
  const scaled = (BigInt(part) * 100_000n) / BigInt(whole) // five places, truncated
  return fromUnits((scaled + 5n) / 10n)
}

/** Today's appointments not yet checked in, cancelled or marked no-show: the patients still to come. */
export function stillToCome(t: OutpatientTotals): number {
  return Math.max(t.appointments - t.visits - t.no_shows, 0)
}

/**
 * The consulting rooms that open for some of these schedules: a room with a morning and an afternoon session
 * is one room; a closed or cancelled session opens none.
 */
export function openRooms(schedules: ReadonlyArray<Pick<Schedule, 'room_no' | 'status'>>): number {
  return new Set(schedules.filter((s) => s.status === 'OPEN').map((s) => s.room_no.trim())).size
}

/** "0.0500" → "5.0%"; null → "—". */
export function formatRate(value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—'
  const n = Number(value)
  return Number.isFinite(n) ? `${(n * 100).toFixed(1)}%` : value
}

/**
 * Why a range cannot be asked for, as a catalogue key (the server's limits: a daily report covers at most
 * 366 days, any other at most 5 years), or null when it is fine.
 */
export function rangeProblem(from: string, to: string, granularity: Granularity): string | null {
  if (!from || !to) return 'statistics.rangeRequired'
  if (from > to) return 'statistics.rangeReversed'
  if (granularity === 'day') {
    const days = Math.round((parseIsoDate(to).getTime() - parseIsoDate(from).getTime()) / 86_400_000)
    return days >= 366 ? 'statistics.rangeTooLongDaily' : null
  }
  const limit = `${Number(from.slice(0, 4)) + 5}${from.slice(4)}`
  return to >= limit ? 'statistics.rangeTooLong' : null
}
