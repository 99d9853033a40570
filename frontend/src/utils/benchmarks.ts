// Where an orientation rule's benchmark comes from (backend/src/domain/accounting/benchmark.rs): a fixed value,
// or one computed from the imported actuals — the department's own over the previous N periods, or the mean of
// every department's in the period — with the fixed value as the fallback. The server's checks mirrored for the
// rule form, and the method (with its look-back, or the basis an adjustment's benchmark came from) in words.
import type { BenchmarkMethod } from '@/api/types'
import { toUnits } from './money'
import type { Translate } from './conflict'

/** The most periods a history method looks back. */
export const MAX_LOOKBACK = 36

/** Whether the method computes from the department's own previous periods (and needs a look-back). */
export function looksBack(method: BenchmarkMethod | null | undefined): boolean {
  return (
    method === 'HISTORY_AVERAGE' || method === 'HISTORY_MEDIAN' || method === 'HISTORY_MAX' || method === 'HISTORY_MIN'
  )
}

/** Whether the benchmark is computed (the typed one then being only the fallback). */
export function isComputed(method: BenchmarkMethod | null | undefined): boolean {
  return !!method && method !== 'FIXED'
}

export interface BenchmarkInput {
  method: BenchmarkMethod
  /** The fixed benchmark (the fallback of a computed method) as typed. */
  benchmark: string
  lookback: number | null | undefined
}

/** What is wrong with a field, as the message key under `accounting.rules.problems.`. */
export type BenchmarkProblem = 'required' | 'number' | 'positive' | 'lookbackRequired' | 'lookbackRange' | 'lookbackAbsent'

/**
 * What the server would refuse in a rule's benchmark fields: the benchmark is required and more than 0 (four
 * decimals at most) whatever the method; a look-back of 1 to 36 whole periods goes with the HISTORY_* methods
 * and with no other.
 */
export function benchmarkProblems(
  input: BenchmarkInput,
): Partial<Record<'benchmark' | 'lookback_periods', BenchmarkProblem>> {
  const out: Partial<Record<'benchmark' | 'lookback_periods', BenchmarkProblem>> = {}
  const text = input.benchmark.trim()
  const units = toUnits(text)
  if (text === '') out.benchmark = 'required'
  else if (units === null) out.benchmark = 'number'
  else if (units <= 0n) out.benchmark = 'positive'
  const n = input.lookback
  if (looksBack(input.method)) {
    if (n === null || n === undefined) out.lookback_periods = 'lookbackRequired'
    else if (!Number.isInteger(n) || n < 1 || n > MAX_LOOKBACK) out.lookback_periods = 'lookbackRange'
  } else if (n !== null && n !== undefined) {
    out.lookback_periods = 'lookbackAbsent'
  }
  return out
}

/** The look-back to send: the one typed for a history method, none for any other. */
export function lookbackFor(method: BenchmarkMethod, lookback: number | null | undefined): number | null {
  return looksBack(method) && lookback != null ? lookback : null
}

/** A rule's method as the rule list shows it: "固定值", "历史均值（近 3 期）", "全院均值". */
export function methodText(
  rule: { benchmark_method?: BenchmarkMethod | null; lookback_periods?: number | null },
  t: Translate,
): string {
  const method = rule.benchmark_method ?? 'FIXED'
  const name = t(`accounting.rules.methods.${method}`, {})
  return looksBack(method) && rule.lookback_periods != null
    ? t('accounting.rules.methodLookback', { method: name, n: rule.lookback_periods })
    : name
}

export interface BenchmarkSource {
  text: string
  /** A computed method had nothing to compute from: the rule's fixed value held. */
  fellBack: boolean
}

/**
 * Where an adjustment's benchmark came from: "固定值", "历史均值（3期）" (the periods with an actual),
 * "全院均值（12个科室）" (the departments with one), or the method that fell back to the fixed value. Empty
 * for an adjustment that names no method (a run older than computed benchmarks, or a rule that did not apply).
 */
export function benchmarkSource(
  row: { benchmark_method?: BenchmarkMethod | null; benchmark_basis?: number | null },
  t: Translate,
): BenchmarkSource {
  const method = row.benchmark_method
  if (!method) return { text: '', fellBack: false }
  const name = t(`accounting.rules.methods.${method}`, {})
  if (method === 'FIXED') return { text: name, fellBack: false }
  const n = row.benchmark_basis ?? 0
  if (n <= 0) return { text: t('accounting.orientation.sources.fellBack', { method: name }), fellBack: true }
  const key = looksBack(method) ? 'accounting.orientation.sources.history' : 'accounting.orientation.sources.hospital'
  return { text: t(key, { method: name, n }), fellBack: false }
}
