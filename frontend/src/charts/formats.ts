// Number formats for chart axes, labels and tooltips in the current language.
import { formatMoney } from '@/utils/money'
import { formatCount } from '@/utils/numbers'
import type { Format } from './options'

export interface ChartFormats {
  /** 1234 → "1,234" */
  count: Format
  /** 1234.5 → "¥1,234.50" */
  money: Format
  /** An axis tick: 12000 → "1.2万" in Chinese, "12K" in English. */
  compact: Format
}

export function chartFormats(locale: string): ChartFormats {
  const compact = new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 })
  return {
    count: (v) => formatCount(v),
    money: (v) => formatMoney(v.toFixed(2)),
    compact: (v) => compact.format(v),
  }
}
