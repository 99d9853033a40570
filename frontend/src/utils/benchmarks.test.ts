import { describe, expect, it } from 'vitest'
import { createI18n } from 'vue-i18n'
import type { BenchmarkMethod } from '@/api/types'
import { BENCHMARK_METHODS } from '@/api/types'
import accountingEn from '@/i18n/accounting/en'
import accountingZh from '@/i18n/accounting/zh-CN'
import {
  benchmarkProblems,
  benchmarkSource,
  isComputed,
  lookbackFor,
  looksBack,
  MAX_LOOKBACK,
  methodText,
} from './benchmarks'
import type { Translate } from './conflict'

function translate(locale: 'zh-CN' | 'en'): Translate {
  const i18n = createI18n({ legacy: false, locale, messages: { 'zh-CN': accountingZh, en: accountingEn } })
  return (key, params) => i18n.global.t(key, params)
}

const HISTORY: BenchmarkMethod[] = ['HISTORY_AVERAGE', 'HISTORY_MEDIAN', 'HISTORY_MAX', 'HISTORY_MIN']

describe('benchmark methods', () => {
  it('look back for the HISTORY_* methods only, and compute for all but FIXED', () => {
    expect(BENCHMARK_METHODS.filter(looksBack)).toEqual(HISTORY)
    expect(BENCHMARK_METHODS.filter(isComputed)).toEqual([...HISTORY, 'HOSPITAL_AVERAGE'])
    expect(looksBack(null)).toBe(false)
    expect(isComputed(undefined)).toBe(false)
  })

  it('send a look-back only with a history method', () => {
    expect(lookbackFor('HISTORY_MEDIAN', 6)).toBe(6)
    expect(lookbackFor('HISTORY_MEDIAN', null)).toBeNull()
    expect(lookbackFor('FIXED', 6)).toBeNull()
    expect(lookbackFor('HOSPITAL_AVERAGE', 3)).toBeNull()
  })
})

describe("a rule's benchmark fields, checked as the server checks them", () => {
  const ok = { method: 'FIXED' as BenchmarkMethod, benchmark: '1200', lookback: null }

  it('need a benchmark above 0 with at most four decimals, whatever the method', () => {
    expect(benchmarkProblems(ok)).toEqual({})
    expect(benchmarkProblems({ ...ok, benchmark: ' ' })).toEqual({ benchmark: 'required' })
    expect(benchmarkProblems({ ...ok, benchmark: '12.34567' })).toEqual({ benchmark: 'number' })
    expect(benchmarkProblems({ ...ok, benchmark: 'abc' })).toEqual({ benchmark: 'number' })
    expect(benchmarkProblems({ ...ok, benchmark: '0' })).toEqual({ benchmark: 'positive' })
    expect(benchmarkProblems({ ...ok, benchmark: '-5' })).toEqual({ benchmark: 'positive' })
    expect(benchmarkProblems({ ...ok, benchmark: '0.0001' })).toEqual({})
    expect(benchmarkProblems({ method: 'HOSPITAL_AVERAGE', benchmark: '', lookback: null })).toEqual({
      benchmark: 'required',
    })
  })

  it('need a look-back of 1 to 36 whole periods for a history method', () => {
    for (const method of HISTORY) {
      expect(benchmarkProblems({ method, benchmark: '100', lookback: null })).toEqual({
        lookback_periods: 'lookbackRequired',
      })
      expect(benchmarkProblems({ method, benchmark: '100', lookback: undefined })).toEqual({
        lookback_periods: 'lookbackRequired',
      })
      expect(benchmarkProblems({ method, benchmark: '100', lookback: 0 })).toEqual({ lookback_periods: 'lookbackRange' })
      expect(benchmarkProblems({ method, benchmark: '100', lookback: MAX_LOOKBACK + 1 })).toEqual({
        lookback_periods: 'lookbackRange',
      })
      expect(benchmarkProblems({ method, benchmark: '100', lookback: 2.5 })).toEqual({ lookback_periods: 'lookbackRange' })
      expect(benchmarkProblems({ method, benchmark: '100', lookback: 1 })).toEqual({})
      expect(benchmarkProblems({ method, benchmark: '100', lookback: 36 })).toEqual({})
    }
  })

  it('refuse a look-back with any other method', () => {
    expect(benchmarkProblems({ method: 'FIXED', benchmark: '100', lookback: 3 })).toEqual({
      lookback_periods: 'lookbackAbsent',
    })
    expect(benchmarkProblems({ method: 'HOSPITAL_AVERAGE', benchmark: '0', lookback: 3 })).toEqual({
      benchmark: 'positive',
      lookback_periods: 'lookbackAbsent',
    })
  })

  it('have a message for every problem in both languages', () => {
    for (const t of [translate('zh-CN'), translate('en')]) {
      for (const key of ['required', 'number', 'positive', 'lookbackRequired', 'lookbackRange', 'lookbackAbsent']) {
        expect(t(`accounting.rules.problems.${key}`, {})).not.toContain('accounting.')
      }
    }
  })
})

describe('a benchmark in words', () => {
  const zh = translate('zh-CN')
  const en = translate('en')

  it("names a rule's method with its look-back", () => {
    expect(methodText({ benchmark_method: 'FIXED', lookback_periods: null }, zh)).toBe('固定值')
    expect(methodText({ benchmark_method: 'HISTORY_AVERAGE', lookback_periods: 3 }, zh)).toBe('历史均值（近 3 期）')
    expect(methodText({ benchmark_method: 'HISTORY_MAX', lookback_periods: 12 }, en)).toBe(
      'Historical maximum (last 12 periods)',
    )
    expect(methodText({ benchmark_method: 'HOSPITAL_AVERAGE' }, zh)).toBe('全院均值')
    expect(methodText({}, en)).toBe('Fixed')
    const labels = BENCHMARK_METHODS.map((m) => methodText({ benchmark_method: m }, zh))
    expect(labels).toEqual(['固定值', '历史均值', '历史中位数', '历史最高', '历史最低', '全院均值'])
    expect(BENCHMARK_METHODS.map((m) => methodText({ benchmark_method: m }, en))).toEqual([
      'Fixed',
      'Historical average',
      'Historical median',
      'Historical maximum',
      'Historical minimum',
      'Hospital average',
    ])
  })

  it("says where an adjustment's benchmark came from, and when the fixed fallback held", () => {
    expect(benchmarkSource({ benchmark_method: 'FIXED', benchmark_basis: 0 }, zh)).toEqual({ text: '固定值', fellBack: false })
    expect(benchmarkSource({ benchmark_method: 'HISTORY_AVERAGE', benchmark_basis: 3 }, zh)).toEqual({
      text: '历史均值（3期）',
      fellBack: false,
    })
    expect(benchmarkSource({ benchmark_method: 'HOSPITAL_AVERAGE', benchmark_basis: 12 }, zh)).toEqual({
      text: '全院均值（12个科室）',
      fellBack: false,
    })
    expect(benchmarkSource({ benchmark_method: 'HISTORY_MEDIAN', benchmark_basis: 0 }, zh)).toEqual({
      text: '历史中位数（按固定值）',
      fellBack: true,
    })
    expect(benchmarkSource({ benchmark_method: 'HOSPITAL_AVERAGE', benchmark_basis: null }, en)).toEqual({
      text: 'Hospital average (fixed fallback)',
      fellBack: true,
    })
    expect(benchmarkSource({ benchmark_method: 'HISTORY_MIN', benchmark_basis: 2 }, en).text).toBe(
      'Historical minimum (2 periods)',
    )
    expect(benchmarkSource({ benchmark_method: null, benchmark_basis: null }, zh)).toEqual({ text: '', fellBack: false })
  })
})
