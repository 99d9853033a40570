// Money travels as decimal strings with four places ("77.0500"). Arithmetic on the client happens only for
// display (sums of a form's lines), in integer ten-thousandths, so no binary fraction ever creeps in.

const SCALE = 10_000n

/** Parses "12.5", "-3", "77.0500" into ten-thousandths; null when it is not a number with ≤ 4 decimals. */
export function toUnits(value: string | number | null | undefined): bigint | null {
  if (value === null || value === undefined) return null
  const text = typeof value === 'number' ? String(value) : value.trim()
  const match = /^([+-]?)(\d+)(?:\.(\d{0,4}))?$/.exec(text)
  if (!match) return null
  const [, sign, whole = '0', fraction = ''] = match
  const units = BigInt(whole) * SCALE + BigInt(fraction.padEnd(4, '0'))
  return sign === '-' ? -units : units
}

/** Ten-thousandths back to a four-place decimal string. */
export function fromUnits(units: bigint): string {
  const negative = units < 0n
  const abs = negative ? -units : units
  const whole = abs / SCALE
  const fraction = (abs % SCALE).toString().padStart(4, '0')
  return `${negative ? '-' : ''}${whole}.${fraction}`
}

/** Rounds ten-thousandths to cents, half away from zero (as the server rounds). */
export function toCents(units: bigint): bigint {
  const negative = units < 0n
  const abs = negative ? -units : units
  const cents = (abs + 50n) / 100n
  return negative ? -cents : cents
}

/** "77.0500" → "¥77.05"; "1234567.5" → "¥1,234,567.50". An unparsable value is shown as given. */
export function formatMoney(value: string | number | null | undefined, symbol = '¥'): string {
  const units = toUnits(value)
  if (units === null) return value === null || value === undefined ? '' : String(value)
  const cents = toCents(units)
  const negative = cents < 0n
  const abs = negative ? -cents : cents
  const whole = (abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  const fraction = (abs % 100n).toString().padStart(2, '0')
  return `${negative ? '-' : ''}${symbol}${whole}.${fraction}`
}

/** Sum of decimal strings, as a decimal string. */
export function sumMoney(values: Array<string | number | null | undefined>): string {
  return fromUnits(values.reduce<bigint>((acc, v) => acc + (toUnits(v) ?? 0n), 0n))
}

/** price × quantity, both decimal strings, rounded to four places half away from zero. */
export function multiplyMoney(price: string | number, quantity: string | number): string {
  const p = toUnits(price) ?? 0n
  const q = toUnits(quantity) ?? 0n
  const product = p * q // scale 10^8
  const negative = product < 0n
  const abs = negative ? -product : product
  const rounded = (abs + SCALE / 2n) / SCALE
  return fromUnits(negative ? -rounded : rounded)
}
