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
  it('take an ID card by its check digit, as before', () => {
    expect(documentProblem('ID_CARD', '11010519491231002x')).toBeNull()
    expect(documentProblem('ID_CARD', '110105194912310021')).toBe('checkDigit')
    expect(documentProblem('ID_CARD', '1101051949')).toBe('length')
    expect(parseDocument('ID_CARD', '440524198001010013')).toEqual({ dob: '1980-01-01', gender: 'MALE' })
  })

  it("take a residence permit of Hong Kong, Macao or Taiwan by its region and check digit", () => {
    expect(documentProblem('RESIDENCE_PERMIT', '810000199408230021')).toBeNull()
    expect(documentProblem('RESIDENCE_PERMIT', '820000200101010013')).toBeNull()
    expect(documentProblem('RESIDENCE_PERMIT', '830000197005120033')).toBeNull()
    expect(documentProblem('RESIDENCE_PERMIT', '830000197005120034')).toBe('checkDigit')
    // A valid ID card number is not a residence permit; a wrong region shows as soon as it is typed.
    expect(documentProblem('RESIDENCE_PERMIT', '440524198001010013')).toBe('region')
    expect(documentProblem('RESIDENCE_PERMIT', '84')).toBe('region')
    expect(documentProblem('RESIDENCE_PERMIT', '8200')).toBe('length')
    expect(parseDocument('RESIDENCE_PERMIT', '810000199408230021')).toEqual({ dob: '1994-08-23', gender: 'FEMALE' })
    expect(parseDocument('RESIDENCE_PERMIT', '830000197005120033')).toEqual({ dob: '1970-05-12', gender: 'MALE' })
  })

  it('take a permanent residence ID (2017) by its leading 9 and check digit', () => {
    expect(documentProblem('PERMANENT_RESIDENCE', '915611198506150012')).toBeNull()
    expect(documentProblem('PERMANENT_RESIDENCE', '915611198506150019')).toBe('checkDigit')
    expect(documentProblem('PERMANENT_RESIDENCE', '440524198001010013')).toBe('lead')
    expect(documentProblem('PERMANENT_RESIDENCE', '9156')).toBe('length')
    expect(documentProblem('PERMANENT_RESIDENCE', '915611199902300012')).toBe('birthDate')
    expect(parseDocument('PERMANENT_RESIDENCE', '915611198506150012')).toEqual({ dob: '1985-06-15', gender: 'MALE' })
  })

  it('take passports and travel permits by their patterns, with no birth date in them', () => {
    for (const ok of ['E12345678', 'ea1234567', 'X1234567890ABCDEF', 'p1234']) {
      expect(documentProblem('PASSPORT', ok)).toBeNull()
    }
    expect(documentProblem('PASSPORT', 'E123')).toBe('length')
    expect(documentProblem('PASSPORT', 'E-1234567')).toBe('format')
    expect(documentProblem('PASSPORT', 'X1234567890ABCDEFG')).toBe('format')
    for (const ok of ['H12345678', 'M1234567801', 'h12345678']) {
      expect(documentProblem('HK_MACAO_PERMIT', ok)).toBeNull()
    }
    expect(documentProblem('HK_MACAO_PERMIT', 'A12345678')).toBe('format')
    expect(documentProblem('HK_MACAO_PERMIT', '12345678')).toBe('format')
    expect(documentProblem('HK_MACAO_PERMIT', 'H1234567')).toBe('length')
    expect(documentProblem('HK_MACAO_PERMIT', 'H123456789')).toBe('length')
    expect(documentProblem('TAIWAN_PERMIT', '12345678')).toBeNull()
    expect(documentProblem('TAIWAN_PERMIT', '1234567890')).toBeNull()
    expect(documentProblem('TAIWAN_PERMIT', '123456789')).toBe('length')
    expect(documentProblem('TAIWAN_PERMIT', 'T1234567')).toBe('format')
    expect(parseDocument('PASSPORT', 'E12345678')).toBeNull()
    expect(carriesBirthAndSex('PASSPORT')).toBe(false)
  })

  it('need a number for every type but a newborn, who has none', () => {
    expect(documentProblem('NONE_YET', '')).toBeNull()
    expect(documentProblem('NONE_YET', 'E12345678')).toBe('format')
    expect(documentProblem('PASSPORT', '')).toBe('length')
    expect(documentProblem('ID_CARD', '')).toBe('length')
    expect(maxDocumentLength('NONE_YET')).toBe(0)
    expect(maxDocumentLength('ID_CARD')).toBe(18)
    expect(maxDocumentLength('PASSPORT')).toBe(17)
    expect(maxDocumentLength('HK_MACAO_PERMIT')).toBe(11)
    expect(maxDocumentLength('TAIWAN_PERMIT')).toBe(10)
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
