// Insurance policies on screen: ratios (decimal strings from 0 to 1, four places) typed and shown as
// percentages, the policy form checked before it is sent and turned into the API's request, and the runs of
// a list's rows that share an insurance type. Ratios are handled in integer ten-thousandths, as money is.
import type { InsurancePolicy, InsurancePolicyRequest, InsuranceType, ItemCategory } from '@/api/types'
import { formatMoney, fromUnits, toUnits } from './money'

/** A ratio as a percentage: "0.7000" → "70", "0.8550" → "85.5", "1" → "100"; '' for what is not a number. */
export function ratioToPercent(ratio: string | null | undefined): string {
  // Ten-thousandths of the whole are hundredths of a percent.
  const units = toUnits(ratio)
  if (units === null) return ''
  const negative = units < 0n
  const abs = negative ? -units : units
  const fraction = (abs % 100n).toString().padStart(2, '0').replace(/0+$/, '')
  return `${negative ? '-' : ''}${abs / 100n}${fraction ? `.${fraction}` : ''}`
}

/** "0.8000" → "80%"; '' for nothing. */
export function formatRatio(ratio: string | null | undefined): string {
  const percent = ratioToPercent(ratio)
  return percent ? `${percent}%` : ''
}

/** A percentage as typed back to a ratio: "70" → "0.7000", "85.5" → "0.8550"; null unless 0–100 with ≤ 2 decimals. */
export function percentToRatio(percent: string | number | null | undefined): string | null {
  if (percent === null || percent === undefined) return null
  const match = /^(\d{1,3})(?:\.(\d{0,2}))?$/.exec(String(percent).trim())
  if (!match) return null
  const hundredths = BigInt(match[1] ?? '0') * 100n + BigInt((match[2] ?? '').padEnd(2, '0'))
  return hundredths > 10_000n ? null : fromUnits(hundredths)
}

/** Yuan as typed for a deductible or cap: '' (none) or an amount in whole fen, not negative. */
export function isOptionalYuan(value: string | null | undefined): boolean {
  const text = (value ?? '').trim()
  if (text === '') return true
  const units = toUnits(text)
  return units !== null && units >= 0n && units % 100n === 0n
}

/** A deductible or cap for a list: "¥100.00", or "—" when the policy has none. */
export function formatOptionalYuan(value: string | null | undefined): string {
  return value === null || value === undefined ? '—' : formatMoney(value)
}

/** One row of the form's category ratios: the category and its ratio as a percentage, as typed. */
export interface CategoryRatioRow {
  item_category: ItemCategory | ''
  ratio: string
}

/** The policy form: ratios as percentages, yuan as typed ('' for none). */
export interface PolicyForm {
  insurance_type: InsuranceType
  effective_from: string
  ratio: string
  category_ratios: CategoryRatioRow[]
  deductible: string
  visit_cap: string
}

/** What is wrong with a category-ratio row's field (the message key under `insurancePolicies.problems.`). */
export type RowProblem = 'required' | 'percent' | 'duplicate'

/** The field path of a category-ratio row's field, as the server names it in its errors. */
export function categoryField(index: number, field: keyof CategoryRatioRow): string {
  return `category_ratios[${index}].${field}`
}

/**
 * The problems of the category-ratio rows, keyed by field path (`category_ratios[1].ratio`), so they show
 * where the server's own errors for those rows do. A category listed a second time is the later row's problem.
 */
export function categoryRatioProblems(rows: readonly CategoryRatioRow[]): Record<string, RowProblem> {
  const problems: Record<string, RowProblem> = {}
  const seen = new Set<ItemCategory>()
  rows.forEach((row, i) => {
    if (!row.item_category) problems[categoryField(i, 'item_category')] = 'required'
    else if (seen.has(row.item_category)) problems[categoryField(i, 'item_category')] = 'duplicate'
    else seen.add(row.item_category)
    if (row.ratio.trim() === '') problems[categoryField(i, 'ratio')] = 'required'
    else if (percentToRatio(row.ratio) === null) problems[categoryField(i, 'ratio')] = 'percent'
  })
  return problems
}

/** Every field path the form draws (the server's errors for any other are named in the message). */
export function policyFields(form: Pick<PolicyForm, 'category_ratios'>): string[] {
  return [
    'insurance_type',
    'effective_from',
    'ratio',
    'category_ratios',
    ...form.category_ratios.flatMap((_, i) => [categoryField(i, 'item_category'), categoryField(i, 'ratio')]),
    'deductible',
    'visit_cap',
  ]
}

/** A new policy's form: from `effectiveFrom`, with no category ratios, deductible or cap. */
export function emptyPolicyForm(effectiveFrom: string, insuranceType: InsuranceType = 'EMPLOYEE'): PolicyForm {
  return {
    insurance_type: insuranceType,
    effective_from: effectiveFrom,
    ratio: '',
    category_ratios: [],
    deductible: '',
    visit_cap: '',
  }
}

/** "100.0000" → "100", "12.5000" → "12.5": yuan as one would type them. */
function plainYuan(value: string | null | undefined): string {
  if (value === null || value === undefined) return ''
  return value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value
}

/** A policy's form, for editing it. */
export function policyForm(p: InsurancePolicy): PolicyForm {
  return {
    insurance_type: p.insurance_type,
    effective_from: p.effective_from,
    ratio: ratioToPercent(p.ratio),
    category_ratios: p.category_ratios.map((c) => ({ item_category: c.item_category, ratio: ratioToPercent(c.ratio) })),
    deductible: plainYuan(p.deductible),
    visit_cap: plainYuan(p.visit_cap),
  }
}

/**
 * The request for a checked form. A percentage that does not convert is sent as typed, so the server names
 * the field (the form's own rules catch that first).
 */
export function policyRequest(f: PolicyForm): InsurancePolicyRequest {
  const ratio = (percent: string) => percentToRatio(percent) ?? percent.trim()
  const yuan = (v: string) => (v.trim() === '' ? null : v.trim())
  return {
    insurance_type: f.insurance_type,
    effective_from: f.effective_from,
    ratio: ratio(f.ratio),
    category_ratios: f.category_ratios.map((c) => ({ item_category: c.item_category as ItemCategory, ratio: ratio(c.ratio) })),
    deductible: yuan(f.deductible),
    visit_cap: yuan(f.visit_cap),
  }
}

/**
 * For a table whose rows come in runs of one key (the API lists policies by insurance type): how many rows
 * each row's merged cell spans, 0 for the rows a run's first row covers.
 */
export function runSpans<T>(rows: readonly T[], key: (row: T) => unknown): number[] {
  const spans = rows.map(() => 0)
  let start = 0
  rows.forEach((row, i) => {
    if (i > 0 && key(row) !== key(rows[start] as T)) start = i
    spans[start] = (spans[start] ?? 0) + 1
  })
  return spans
}
