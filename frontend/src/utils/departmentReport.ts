// A department's page of a run: its series in the order the value summary shows them, each with the month
// before and the change, the change as a share of the month before, and the page's file names.
import type { SeriesValue } from '@/api/types'
import { divideUnits } from './accounting'
import { toUnits } from './money'

/** The series of a department's page, in the value summary's column order. */
export const REPORT_SERIES = ['DOCTOR', 'NURSING', 'TECH', 'COST', 'NET'] as const
export type ReportSeries = (typeof REPORT_SERIES)[number]

/** The value summary's column that holds a series (and names it: accounting.summary.<field>). */
export const SERIES_FIELD: Record<ReportSeries, 'doctor_value' | 'nursing_value' | 'tech_value' | 'cost_value' | 'net_value'> = {
  DOCTOR: 'doctor_value',
  NURSING: 'nursing_value',
  TECH: 'tech_value',
  COST: 'cost_value',
  NET: 'net_value',
}

export interface ReportSeriesRow extends SeriesValue {
  series: ReportSeries
  /** change ÷ |previous|, to four places; null without a month before or when it was 0. */
  rate: string | null
}

/**
 * The five series in order, whatever order (or gaps) the server sent: a missing one is a row with no figures,
 * so the page always has its five lines; unknown series are dropped.
 */
export function reportSeries(series: readonly SeriesValue[]): ReportSeriesRow[] {
  return REPORT_SERIES.map((name) => {
    const found = series.find((s) => s.series === name)
    const value = found?.value ?? null
    const previous = found?.previous ?? null
    return { series: name, value, previous, change: found?.change ?? null, rate: changeRate(value, previous) }
  })
}

/** (value − previous) ÷ |previous|; null when either is missing or previous is 0. */
export function changeRate(value: string | null | undefined, previous: string | null | undefined): string | null {
  const v = toUnits(value)
  const p = toUnits(previous)
  if (v === null || p === null || p === 0n) return null
  return divideUnits(v - p, p < 0n ? -p : p)
}

/** The workbook's fallback name, should the server send none. */
export function reportFilename(taskId: number, departmentCode: string): string {
  return `calculation-${taskId}-department-${departmentCode || 'report'}.xlsx`
}
