// An amount in Chinese capital numerals (大写金额), as receipts and invoices print it under the figure:
// ¥77.05 → 柒拾柒元零伍分, ¥100.00 → 壹佰元整, ¥0.50 → 伍角. Rounded to cents as formatMoney rounds, so the
// words always say what the figure beside them says.
import { toCents, toUnits } from './money'

const DIGITS = '零壹贰叁肆伍陆柒捌玖'
const PLACES = ['', '拾', '佰', '仟']
/** One unit per group of four digits: up to 万亿, far past any bill. */
const GROUPS = ['', '万', '亿', '万亿']

function digit(d: number): string {
  return DIGITS.charAt(d)
}

/** A group of four digits (1–9999) without its group unit; zeros inside say 零 once, trailing ones nothing. */
function groupWords(n: number): string {
  let out = ''
  let zero = false
  for (let place = 3; place >= 0; place -= 1) {
    const d = Math.floor(n / 10 ** place) % 10
    if (d === 0) {
      zero = out !== ''
    } else {
      out += `${zero ? '零' : ''}${digit(d)}${PLACES[place]}`
      zero = false
    }
  }
  return out
}

/** Whole yuan (> 0) in words, without 元. */
function yuanWords(yuan: bigint): string {
  const groups: number[] = []
  for (let rest = yuan; rest > 0n; rest /= 10_000n) groups.push(Number(rest % 10_000n))
  if (groups.length > GROUPS.length) throw new RangeError(`amount too large for words: ${yuan}`)
  let out = ''
  let gap = false
  for (let i = groups.length - 1; i >= 0; i -= 1) {
    const g = groups[i] ?? 0
    if (g === 0) {
      // 壹亿零壹元: a zero group between two written ones is read as one 零.
      gap = out !== ''
      continue
    }
    // 壹万零伍佰: a group below a thousand after a written one starts with 零 too.
    if (out && (gap || g < 1000)) out += '零'
    out += groupWords(g) + GROUPS[i]
    gap = false
  }
  return out
}

/**
 * The amount of a decimal string ("77.0500", "-3.5") in capital numerals; '' when it is not a number.
 * Negative amounts (a refund) start with 负.
 */
export function amountInWords(value: string | number | null | undefined): string {
  const units = toUnits(value)
  if (units === null) return ''
  const cents = toCents(units)
  const negative = cents < 0n
  const abs = negative ? -cents : cents
  if (abs === 0n) return '零元整'
  const yuan = abs / 100n
  const jiao = Number((abs / 10n) % 10n)
  const fen = Number(abs % 10n)
  let out = yuan > 0n ? `${yuanWords(yuan)}元` : ''
  if (jiao === 0 && fen === 0) return `${negative ? '负' : ''}${out}整`
  if (jiao > 0) out += `${digit(jiao)}角`
  // 柒拾柒元零伍分: fen after whole yuan with no jiao takes a 零; ¥0.05 is just 伍分.
  if (fen > 0) out += `${jiao === 0 && yuan > 0n ? '零' : ''}${digit(fen)}分`
  return `${negative ? '负' : ''}${out}`
}
