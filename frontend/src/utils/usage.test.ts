import { describe, expect, it } from 'vitest'
import { createI18n } from 'vue-i18n'
import zhCN from '@/i18n/zh-CN'
import en from '@/i18n/en'
import type { Translate } from './conflict'
import { countable, draftOf, emptyUsage, packingLabel, usageLabel, usageRequest } from './usage'

function translate(locale: 'zh-CN' | 'en'): Translate {
  const i18n = createI18n({ legacy: false, locale, messages: { 'zh-CN': zhCN, en } })
  return (key, params) => i18n.global.t(key, params)
}

const usage = { dose: '500.0000', dose_unit: 'mg', route: 'ORAL', frequency: 'TID', days: 5 } as const
const packing = { dose_unit: 'mg', unit_dose: '250.0000', pack_units: 24 }

describe('usage', () => {
  it('reads as the prescription slip prints it, in both languages', () => {
    expect(usageLabel(usage, translate('zh-CN'))).toBe('500 mg 口服 每日三次 × 5 天')
    expect(usageLabel(usage, translate('en'))).toBe('500 mg oral three times a day × 5 days')
    expect(usageLabel({ ...usage, dose: '0.5000', dose_unit: 'g', days: 1 }, translate('en'))).toBe(
      '0.5 g oral three times a day × 1 day',
    )
  })

  it('shows a packing compactly and starts a usage in its unit', () => {
    expect(packingLabel(packing)).toBe('250 mg × 24')
    expect(emptyUsage(packing).dose_unit).toBe('mg')
    expect(emptyUsage(null).dose_unit).toBe('')
    expect(draftOf(usage, packing).dose).toBe('500')
    expect(draftOf({ ...usage, dose: '1500.0000' }, null).dose).toBe('1500')
  })

  it('lets the server count only with a packing and a fixed frequency', () => {
    expect(countable(packing, 'TID')).toBe(true)
    expect(countable(packing, 'PRN')).toBe(false)
    expect(countable(packing, '')).toBe(false)
    expect(countable(null, 'TID')).toBe(false)
  })

  it('sends nothing for an empty usage and names what a partial one lacks', () => {
    expect(usageRequest(emptyUsage(packing))).toEqual({ usage: null, missing: [] })
    expect(usageRequest({ ...emptyUsage(packing), dose: '500' }).missing).toEqual(['route', 'frequency', 'days'])
    expect(usageRequest({ dose: ' 500 ', dose_unit: 'mg', route: 'ORAL', frequency: 'TID', days: 5 })).toEqual({
      usage: { dose: '500', dose_unit: 'mg', route: 'ORAL', frequency: 'TID', days: 5 },
      missing: [],
    })
  })
})
