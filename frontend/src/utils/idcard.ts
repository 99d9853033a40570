// Chinese resident identity numbers (GB 11643-1999): 18 characters, the last a check digit.

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const
const CHECK = '10X98765432'

export type IdCardProblem = 'length' | 'format' | 'birthDate' | 'checkDigit'

export interface IdCardInfo {
  /** yyyy-mm-dd */
  dob: string
  gender: 'MALE' | 'FEMALE'
}

/** The check digit the first 17 digits call for. */
export function checkDigit(first17: string): string {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (WEIGHTS[i] ?? 0)
  return CHECK[sum % 11] ?? ''
}

/** Upper-cases the check letter and drops spaces: what a user types is "11010519491231002x ". */
export function normalizeIdCard(raw: string): string {
  return raw.replace(/\s+/g, '').toUpperCase()
}

function birthDate(id: string): string | null {
  const y = Number(id.slice(6, 10))
  const m = Number(id.slice(10, 12))
  const d = Number(id.slice(12, 14))
  const date = new Date(Date.UTC(y, m - 1, d))
  if (y < 1900 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
    return null
  }
  if (date.getTime() > Date.now()) return null
  return `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`
}

/** Why the number is not valid, or null when it is. */
export function idCardProblem(raw: string): IdCardProblem | null {
  const id = normalizeIdCard(raw)
  if (!/^\d{0,17}[\dX]?$/.test(id)) return 'format'
  if (id.length !== 18) return 'length'
  if (birthDate(id) === null) return 'birthDate'
  if (checkDigit(id.slice(0, 17)) !== id[17]) return 'checkDigit'
  return null
}

export function isValidIdCard(raw: string): boolean {
  return idCardProblem(raw) === null
}

/** The birth date and gender an identity number encodes, once it is complete and valid. */
export function parseIdCard(raw: string): IdCardInfo | null {
  const id = normalizeIdCard(raw)
  if (idCardProblem(id) !== null) return null
  const dob = birthDate(id)
  if (dob === null) return null
  return { dob, gender: Number(id[16]) % 2 === 1 ? 'MALE' : 'FEMALE' }
}

/** A mainland mobile number. */
export function isValidPhone(raw: string): boolean {
  return /^1[3-9]\d{9}$/.test(raw.trim())
}
