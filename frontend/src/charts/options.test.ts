import { describe, expect, it } from 'vitest'
import { changeOption, rankingOption, stackedOption, trendOption } from './options'
import { chartFormats } from './formats'

const f = chartFormats('zh-CN')

describe('chart options', () => {
  it('draws a count as bars and an amount as a line on its own axis', () => {
    const o = trendOption(['11-20', '11-21'], { name: '就诊', data: [4, 0] }, { name: '净收入', data: [100.3, 0] }, {
      count: f.count,
      money: f.money,
      moneyAxis: f.compact,
    })
    const series = o.series as Array<{ type: string; data: number[]; yAxisIndex?: number }>
    expect(series.map((s) => s.type)).toEqual(['bar', 'line'])
    expect(series[1]?.yAxisIndex).toBe(1)
    expect(series[1]?.data).toEqual([100.3, 0])
    expect((o.xAxis as { data: string[] }).data).toEqual(['11-20', '11-21'])
  })

  it('stacks one series per department and shows the legend only when there are several', () => {
    const two = stackedOption(['11'], [{ name: '内科', data: [1] }, { name: '外科', data: [2] }], {
      value: f.count,
      axis: f.compact,
    })
    expect((two.series as Array<{ stack: string }>).every((s) => s.stack === 'total')).toBe(true)
    expect((two.legend as { show: boolean }).show).toBe(true)
    const one = stackedOption(['11'], [{ name: '内科', data: [1] }], { value: f.count, axis: f.compact })
    expect((one.legend as { show: boolean }).show).toBe(false)
  })

  it('ranks from the top: the largest item is drawn last on the category axis', () => {
    const o = rankingOption(
      [
        { name: '内科', value: 5 },
        { name: '外科', value: 1 },
      ],
      '就诊',
      { value: f.count, axis: f.compact },
    )
    expect((o.yAxis as { data: string[] }).data).toEqual(['外科', '内科'])
    expect((o.series as Array<{ data: number[] }>)[0]?.data).toEqual([1, 5])
  })
})

describe('change chart', () => {
  it('draws month-on-month and year-on-year side by side, leaving gaps where there is nothing to compare', () => {
    const o = changeOption(['外科', '内科'], [
      { name: '环比', data: [-3.12, 12.5] },
      { name: '同比', data: [null, 4] },
    ])
    const series = o.series as Array<{ type: string; name: string; data: Array<number | string> }>
    expect(series.map((s) => [s.type, s.name])).toEqual([
      ['bar', '环比'],
      ['bar', '同比'],
    ])
    expect(series[1]?.data).toEqual(['-', 4])
    const tooltip = o.tooltip as { valueFormatter: (v: unknown) => string }
    expect(tooltip.valueFormatter(12.5)).toBe('+12.50%')
    expect(tooltip.valueFormatter(-3.12)).toBe('-3.12%')
    expect(tooltip.valueFormatter('-')).toBe('—')
  })
})

describe('chart number formats', () => {
  it('formats counts, money and compact axis ticks per language', () => {
    expect(f.count(12345)).toBe('12,345')
    expect(f.count(1207.4)).toBe('1,207')
    expect(f.money(1234.5)).toBe('¥1,234.50')
    expect(f.money(-20)).toBe('-¥20.00')
    expect(f.compact(12000)).toBe('1.2万')
    expect(chartFormats('en').compact(12000)).toBe('12K')
  })
})
