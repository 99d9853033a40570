import { describe, expect, it } from 'vitest'
import { createI18n } from 'vue-i18n'
import zhCN from '@/i18n/zh-CN'
import en from '@/i18n/en'
import type { Translate } from './conflict'
import {
  carriesBirthAndSex,
  documentProblem,
  documentProblemMessage,
  documentText,
  maxDocumentLength,
  normalizeDocument,
  parseDocument,
} from './document'

function translate(locale: 'zh-CN' | 'en'): Translate {
  const i18n = createI18n({ legacy: false, locale, messages: { 'zh-CN': zhCN, en } })
  return (key, params) => i18n.global.t(key, params)
}

describe('identity documents', () => {
  // Each type's numbers: accepted (null) or refused for the reason given.
  it.each([
    ['ID_CARD', '11010519491231002x', null],
    ['ID_CARD', '110105194912310021', 'checkDigit'],
    ['ID_CARD', '1101051949', 'length'],
    // A residence permit of Hong Kong, Macao or Taiwan: its region and check digit.
    ['RESIDENCE_PERMIT', '810000199408230021', null],
    ['RESIDENCE_PERMIT', '820000200101010013', null],
    ['RESIDENCE_PERMIT', '830000197005120033', null],
    ['RESIDENCE_PERMIT', '830000197005120034', 'checkDigit'],
    // A valid ID card number is not a residence permit; a wrong region shows as soon as it is typed.
    ['RESIDENCE_PERMIT', '440524198001010013', 'region'],
    ['RESIDENCE_PERMIT', '84', 'region'],
    ['RESIDENCE_PERMIT', '8200', 'length'],
    // A permanent residence ID (2017): its leading 9 and check digit.
    ['PERMANENT_RESIDENCE', '915611198506150012', null],
    ['PERMANENT_RESIDENCE', '915611198506150019', 'checkDigit'],
    ['PERMANENT_RESIDENCE', '440524198001010013', 'lead'],
    ['PERMANENT_RESIDENCE', '9156', 'length'],
    ['PERMANENT_RESIDENCE', '915611199902300012', 'birthDate'],
    // Passports and travel permits: by their patterns.
    ['PASSPORT', 'E12345678', null],
    ['PASSPORT', 'ea1234567', null],
    ['PASSPORT', 'X1234567890ABCDEF', null],
    ['PASSPORT', 'p1234', null],
    ['PASSPORT', 'E123', 'length'],
    ['PASSPORT', 'E-1234567', 'format'],
    ['PASSPORT', 'X1234567890ABCDEFG', 'format'],
    ['HK_MACAO_PERMIT', 'H12345678', null],
    ['HK_MACAO_PERMIT', 'M1234567801', null],
    ['HK_MACAO_PERMIT', 'h12345678', null],
    ['HK_MACAO_PERMIT', 'A12345678', 'format'],
    ['HK_MACAO_PERMIT', '12345678', 'format'],
    ['HK_MACAO_PERMIT', 'H1234567', 'length'],
    ['HK_MACAO_PERMIT', 'H123456789', 'length'],
    ['TAIWAN_PERMIT', '12345678', null],
    ['TAIWAN_PERMIT', '1234567890', null],
    ['TAIWAN_PERMIT', '123456789', 'length'],
    ['TAIWAN_PERMIT', 'T1234567', 'format'],
    // A number for every type but a newborn, who has none.
    ['NONE_YET', '', null],
    ['NONE_YET', 'E12345678', 'format'],
    ['PASSPORT', '', 'length'],
    ['ID_CARD', '', 'length'],
  ] as const)('take a %s numbered %j: %s', (type, number, problem) => {
    expect(documentProblem(type, number)).toBe(problem)
  })

  it('read birth date and sex from the numbers of the ID card\'s layout only', () => {
    expect(parseDocument('ID_CARD', '440524198001010013')).toEqual({ dob: '1980-01-01', gender: 'MALE' })
    expect(parseDocument('RESIDENCE_PERMIT', '810000199408230021')).toEqual({ dob: '1994-08-23', gender: 'FEMALE' })
    expect(parseDocument('RESIDENCE_PERMIT', '830000197005120033')).toEqual({ dob: '1970-05-12', gender: 'MALE' })
    expect(parseDocument('PERMANENT_RESIDENCE', '915611198506150012')).toEqual({ dob: '1985-06-15', gender: 'MALE' })
    expect(parseDocument('PASSPORT', 'E12345678')).toBeNull()
    expect(carriesBirthAndSex('PASSPORT')).toBe(false)
  })

  it.each([
    ['NONE_YET', 0],
    ['ID_CARD', 18],
    ['PASSPORT', 17],
    ['HK_MACAO_PERMIT', 11],
    ['TAIWAN_PERMIT', 10],
  ] as const)('take at most so many characters for a %s: %i', (type, max) => {
    expect(maxDocumentLength(type)).toBe(max)
  })

  it('normalise what is typed', () => {
    expect(normalizeDocument(' e1234 5678 ')).toBe('E12345678')
  })

  it('say what is wrong in both languages', () => {
    const zh = translate('zh-CN')
    expect(documentProblemMessage('PERMANENT_RESIDENCE', 'checkDigit', zh)).toBe('永居证号码校验位不正确，请核对')
    expect(documentProblemMessage('RESIDENCE_PERMIT', 'region', zh)).toContain('810000')
    expect(documentProblemMessage('PASSPORT', 'length', zh)).toBe('护照号码应为 5 至 17 位字母或数字')
    expect(documentProblemMessage('ID_CARD', 'length', translate('en'))).toBe('ID card numbers have 18 characters')
    expect(documentProblemMessage('HK_MACAO_PERMIT', 'format', translate('en'))).toContain('H or M')
  })

  it('show as lists do: the short type name and the number, or a dash', () => {
    expect(documentText('PASSPORT', 'E*****678', translate('zh-CN'))).toBe('护照 E*****678')
    expect(documentText('NONE_YET', null, translate('zh-CN'))).toBe('暂无证件 —')
    expect(documentText('HK_MACAO_PERMIT', 'H*****678', translate('en'))).toBe('HK/Macao permit H*****678')
  })
})
