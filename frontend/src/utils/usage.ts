// How a drug is to be taken (用法用量) as the doctor writes it and the prescription slip prints it, and the
// packing a catalogue drug comes in (250 mg capsules, 24 to a box), from which the server counts the packs.
import type { Frequency, Packing, Route, UsageRequest, UsageView } from '@/api/types'
import type { Translate } from './conflict'
import { formatDecimal } from './numbers'

export const ROUTES: Route[] = [
  'ORAL',
  'SUBLINGUAL',
  'IV',
  'IVGTT',
  'IM',
  'SC',
  'TOPICAL',
  'INHALED',
  'EYE',
  'NASAL',
  'RECTAL',
  'OTHER',
]
export const FREQUENCIES: Frequency[] = ['QD', 'BID', 'TID', 'QID', 'QN', 'Q8H', 'Q12H', 'QW', 'PRN', 'ST']

/** A usage as the form holds it: nothing chosen yet is ''. */
export interface UsageDraft {
  dose: string
  dose_unit: string
  route: Route | ''
  frequency: Frequency | ''
  days: number | null
}

/** "500 mg 口服 每日三次 × 5 天" / "500 mg oral three times a day × 5 days". */
export function usageLabel(u: UsageView, t: Translate): string {
  return t('usage.label', {
    dose: formatDecimal(u.dose, 0, 4),
    unit: u.dose_unit,
    route: t(`enums.route.${u.route}`, {}),
    frequency: t(`enums.frequency.${u.frequency}`, {}),
    period: u.days === 1 ? t('usage.oneDay', {}) : t('usage.days', { n: u.days }),
  })
}

/** "250 mg × 24": the dose of one unit and the units in a pack. */
export function packingLabel(p: Packing): string {
  return `${formatDecimal(String(p.unit_dose), 0, 4)} ${p.dose_unit} × ${p.pack_units}`
}

/** An empty usage, in the item's packing unit when it has one. */
export function emptyUsage(packing: Packing | null | undefined): UsageDraft {
  return { dose: '', dose_unit: packing?.dose_unit ?? '', route: '', frequency: '', days: null }
}

export function draftOf(u: UsageView | null | undefined, packing: Packing | null | undefined): UsageDraft {
  return u ? { ...u, dose: formatDecimal(u.dose, 0, 4).replace(/,/g, '') } : emptyUsage(packing)
}

/** Whether the server can count the packs: the item has a packing and the course has a fixed frequency. */
export function countable(packing: Packing | null | undefined, frequency: Frequency | ''): boolean {
  return !!packing && frequency !== '' && frequency !== 'PRN'
}

/**
 * The usage to send: null when nothing is filled in; otherwise the request, or the fields still missing
 * (named as the server names them under `usage.`).
 */
export function usageRequest(d: UsageDraft): { usage: UsageRequest | null; missing: (keyof UsageDraft)[] } {
  const dose = d.dose.trim()
  const unit = d.dose_unit.trim()
  if (!dose && d.route === '' && d.frequency === '' && d.days === null) return { usage: null, missing: [] }
  const missing: (keyof UsageDraft)[] = []
  if (!dose) missing.push('dose')
  if (!unit) missing.push('dose_unit')
  if (d.route === '') missing.push('route')
  if (d.frequency === '') missing.push('frequency')
  if (d.days === null) missing.push('days')
  // The repeated checks narrow the types; `missing` already names them.
  if (missing.length > 0 || d.route === '' || d.frequency === '' || d.days === null) return { usage: null, missing }
  return { usage: { dose, dose_unit: unit, route: d.route, frequency: d.frequency, days: d.days }, missing }
}
