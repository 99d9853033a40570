// Chart options built from shaped figures: pure functions, so what a chart shows is unit-tested without a
// canvas. Only ECharts' types are imported here; the library itself loads with the first chart.
import type { ComposeOption } from 'echarts/core'
import type { BarSeriesOption, LineSeriesOption } from 'echarts/charts'
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components'

export type ChartOption = ComposeOption<
  BarSeriesOption | LineSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption
>

/** The app's teal first, then colours that stay apart from each other in a stacked bar. */
export const PALETTE = [
  '#0f766e',
  '#f59e0b',
  '#3b82f6',
  '#ef4444',
  '#8b5cf6',
  '#10b981',
  '#ec4899',
  '#64748b',
  '#84cc16',
  '#06b6d4',
]

export type Format = (value: number) => string

export interface Named {
  name: string
  data: number[]
}

const TEXT = { color: '#6b7280' }
const SPLIT = { lineStyle: { color: '#eef1f3' } }

function tooltipValue(format: Format) {
  return (value: unknown) => (typeof value === 'number' ? format(value) : String(value ?? ''))
}

/** A count as bars (left axis) and an amount as a line (right axis) over the same buckets. */
export function trendOption(
  labels: string[],
  bars: Named,
  line: Named,
  formats: { count: Format; money: Format; moneyAxis: Format },
): ChartOption {
  return {
    color: [PALETTE[0] ?? '', PALETTE[1] ?? ''],
    grid: { left: 48, right: 64, top: 36, bottom: 28 },
    legend: { top: 0, textStyle: TEXT },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'category', data: labels, axisLabel: TEXT, axisTick: { alignWithLabel: true } },
    yAxis: [
      { type: 'value', minInterval: 1, axisLabel: TEXT, splitLine: SPLIT },
      // Ticks aligned with the left axis, so one set of grid lines serves both.
      {
        type: 'value',
        alignTicks: true,
        axisLabel: { ...TEXT, formatter: formats.moneyAxis },
        splitLine: { show: false },
      },
    ],
    series: [
      {
        type: 'bar',
        name: bars.name,
        data: bars.data,
        barMaxWidth: 28,
        tooltip: { valueFormatter: tooltipValue(formats.count) },
      },
      {
        type: 'line',
        name: line.name,
        data: line.data,
        yAxisIndex: 1,
        symbolSize: 5,
        tooltip: { valueFormatter: tooltipValue(formats.money) },
      },
    ],
  }
}

/** One bar per bucket, stacked by department (or any other split). */
export function stackedOption(
  labels: string[],
  series: Named[],
  formats: { value: Format; axis: Format },
): ChartOption {
  return {
    color: PALETTE,
    grid: { left: 56, right: 16, top: series.length > 1 ? 56 : 24, bottom: 28 },
    legend: { show: series.length > 1, top: 0, type: 'plain', textStyle: TEXT },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: tooltipValue(formats.value) },
    xAxis: { type: 'category', data: labels, axisLabel: TEXT, axisTick: { alignWithLabel: true } },
    yAxis: { type: 'value', axisLabel: { ...TEXT, formatter: formats.axis }, splitLine: SPLIT },
    series: series.map((s) => ({
      type: 'bar',
      name: s.name,
      data: s.data,
      stack: 'total',
      barMaxWidth: 36,
      emphasis: { focus: 'series' },
    })),
  }
}

/** Items ranked by one figure as horizontal bars, the largest on top. */
export function rankingOption(
  items: Array<{ name: string; value: number }>,
  seriesName: string,
  formats: { value: Format; axis: Format },
): ChartOption {
  // The category axis draws its first item at the bottom: reverse, so the ranking reads from the top.
  const shown = [...items].reverse()
  return {
    color: [PALETTE[0] ?? ''],
    grid: { left: 8, right: 72, top: 8, bottom: 24, containLabel: true },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: tooltipValue(formats.value) },
    xAxis: { type: 'value', axisLabel: { ...TEXT, formatter: formats.axis }, splitLine: SPLIT },
    yAxis: { type: 'category', data: shown.map((i) => i.name), axisLabel: { color: '#374151' }, axisTick: { show: false } },
    series: [
      {
        type: 'bar',
        name: seriesName,
        data: shown.map((i) => i.value),
        barMaxWidth: 22,
        label: { show: true, position: 'right', color: '#374151', formatter: (p) => formats.value(Number(p.value)) },
      },
    ],
  }
}

/** Percentage changes side by side per category (month-on-month and year-on-year); gaps where there is none. */
export function changeOption(
  labels: string[],
  series: Array<{ name: string; data: Array<number | null> }>,
): ChartOption {
  const percent = (v: number) => `${v > 0 ? '+' : ''}${v.toFixed(2)}%`
  return {
    color: [PALETTE[2] ?? '', PALETTE[1] ?? ''],
    grid: { left: 56, right: 16, top: 36, bottom: 28, containLabel: false },
    legend: { top: 0, textStyle: TEXT },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      valueFormatter: (value: unknown) => (typeof value === 'number' ? percent(value) : '—'),
    },
    xAxis: {
      type: 'category',
      data: labels,
      axisLabel: { ...TEXT, interval: 0, rotate: labels.length > 8 ? 30 : 0 },
      axisTick: { alignWithLabel: true },
    },
    yAxis: { type: 'value', axisLabel: { ...TEXT, formatter: (v: number) => `${v}%` }, splitLine: SPLIT },
    series: series.map((s) => ({
      type: 'bar',
      name: s.name,
      data: s.data.map((v) => (v === null ? '-' : v)),
      barMaxWidth: 22,
    })),
  }
}
