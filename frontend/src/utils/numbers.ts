// Numbers on screen other than money (money.ts: "¥" and two decimals): counts as whole numbers, quantities
// with the decimals they really have, any decimal figure grouped by thousands. Decimals arrive as strings
// with four places ("1.0000"); they are formatted in integer ten-thousandths, as money is.
import { toUnits } from './money'

/** Digits grouped by thousands, between `min` and `max` decimals (the rest rounded half away from zero). */
export function formatDecimal(value: string | null | undefined, min = 0, max = 4): string {
  const units = toUnits(value)
  if (units === null) return value ?? ''
  const negative = units < 0n
  let abs = negative ? -units : units
  const drop = 10n ** BigInt(4 - max)
  abs = (abs + drop / 2n) / drop
  const scale = 10n ** BigInt(max)
  const whole = (abs / scale).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  let fraction = max > 0 ? (abs % scale).toString().padStart(max, '0') : ''
  while (fraction.length > min && fraction.endsWith('0')) fraction = fraction.slice(0, -1)
  const text = fraction ? `${whole}.${fraction}` : whole
  return negative && abs !== 0n ? `-${text}` : text
}

/** A count (visits, patients, rooms): 1207 → "1,207", never with decimals; '' for nothing. */
export function formatCount(value: number | string | null | undefined): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return String(value)
    // Half away from zero, as the decimal strings are rounded; toFixed keeps large numbers out of exponents.
    return formatDecimal((Math.sign(value) * Math.round(Math.abs(value))).toFixed(0), 0, 0)
  }
  return formatDecimal(value, 0, 0)
}

/** A quantity as counted, with its unit when there is one: "1.0000" → "1 盒", "0.5000" → "0.5 盒". */
export function formatQuantity(value: string | number | null | undefined, unit?: string | null): string {
  if (value === null || value === undefined) return ''
  const text = formatDecimal(String(value), 0, 4)
  const u = unit?.trim()
  return u ? `${text} ${u}` : text
}
