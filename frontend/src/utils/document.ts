// Identity documents (证件), each number checked by its own rule as the server does. Three share the mainland
// ID card's 18-character layout (GB 11643 check digit, birth date and sex digit inside): the ID card itself, the
// Hong Kong / Macao / Taiwan residence permit (810000, 820000 or 830000 first) and the foreigner's permanent
// residence ID of 2017 (9 first). Passports and the two travel permits carry neither birth date nor sex; a
// newborn may have no document yet.
import type { DocumentType } from '@/api/types'
import type { Translate } from './conflict'
import { idCardProblem, normalizeIdCard, parseIdCard, type IdCardInfo, type IdCardProblem } from './idcard'

/** What is wrong with a number; `length` alone means it may still be being typed. */
export type DocumentProblem = IdCardProblem | 'region' | 'lead'

const RESIDENCE_PERMIT_REGIONS = ['810000', '820000', '830000']

/** The numbers of the types without the ID card layout: what may be typed, the whole number, its longest. */
const PATTERNS: Partial<Record<DocumentType, { typing: RegExp; whole: RegExp; max: number }>> = {
  PASSPORT: { typing: /^[0-9A-Z]{0,17}$/, whole: /^[0-9A-Z]{5,17}$/, max: 17 },
  HK_MACAO_PERMIT: { typing: /^([HM]\d{0,10})?$/, whole: /^[HM](\d{8}|\d{10})$/, max: 11 },
  TAIWAN_PERMIT: { typing: /^\d{0,10}$/, whole: /^(\d{8}|\d{10})$/, max: 10 },
}

/** Whether numbers of this type hold the birth date and the sex digit (the ID card layout). */
export function carriesBirthAndSex(type: DocumentType): boolean {
  return type === 'ID_CARD' || type === 'RESIDENCE_PERMIT' || type === 'PERMANENT_RESIDENCE'
}

/** The longest number of the type (none for a newborn's). */
export function maxDocumentLength(type: DocumentType): number {
  return type === 'NONE_YET' ? 0 : (PATTERNS[type]?.max ?? 18)
}

/** As stored: without spaces, upper case ("e1234 5678" → "E12345678"). */
export const normalizeDocument = normalizeIdCard

/** Why the number is not one of this type, or null when it is. An empty number is `length` (none is needed
 * only for NONE_YET, which takes nothing else). */
export function documentProblem(type: DocumentType, raw: string): DocumentProblem | null {
  const n = normalizeDocument(raw)
  if (type === 'NONE_YET') return n ? 'format' : null
  const pattern = PATTERNS[type]
  if (pattern) {
    if (!pattern.typing.test(n)) return 'format'
    return pattern.whole.test(n) ? null : 'length'
  }
  // A wrong lead shows as soon as it is typed.
  const region = n.slice(0, 6)
  if (type === 'RESIDENCE_PERMIT' && /^\d*$/.test(region) && !RESIDENCE_PERMIT_REGIONS.some((r) => r.startsWith(region))) {
    return 'region'
  }
  if (type === 'PERMANENT_RESIDENCE' && n !== '' && !n.startsWith('9')) return 'lead'
  return idCardProblem(n)
}

/** The birth date and gender the number encodes, for a complete and valid number of the ID card layout. */
export function parseDocument(type: DocumentType, raw: string): IdCardInfo | null {
  if (!carriesBirthAndSex(type) || documentProblem(type, raw) !== null) return null
  return parseIdCard(raw)
}

/** The message for a problem with a number of this type: the ID card layout's by problem, naming the type;
 * the others' by type, saying what their numbers look like. */
export function documentProblemMessage(type: DocumentType, problem: DocumentProblem, t: Translate): string {
  if (!carriesBirthAndSex(type)) return t(`validation.documentFormat.${type}`, {})
  return t(`validation.document.${problem}`, { doc: t(`enums.documentTypeShort.${type}`, {}) })
}

/** "护照 E*****678", "暂无证件 —": a document as lists show it, by its short type name. */
export function documentText(type: DocumentType, number: string | null | undefined, t: Translate): string {
  return `${t(`enums.documentTypeShort.${type}`, {})} ${number || '—'}`
}
