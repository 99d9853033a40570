import { describe, expect, it } from 'vitest'
import { checkDigit, idCardProblem, isValidIdCard, isValidPhone, normalizeIdCard, parseIdCard } from './idcard'

describe('identity numbers (GB 11643)', () => {
  it('computes the check digit, X included', () => {
    expect(checkDigit('44052418800101001')).toBe('4')
    expect(checkDigit('11010519491231002')).toBe('X')
    expect(checkDigit('44052419800101001')).toBe('3')
  })

  it('accepts valid numbers, a lower-case x too', () => {
    expect(isValidIdCard('11010519491231002X')).toBe(true)
    expect(isValidIdCard('11010519491231002x')).toBe(true)
    expect(isValidIdCard('440524198001010013')).toBe(true)
  })

  it('names what is wrong', () => {
    expect(idCardProblem('1101051949')).toBe('length')
    expect(idCardProblem('11010519491231002A')).toBe('format')
    expect(idCardProblem('1101051949123100X2')).toBe('format')
    expect(idCardProblem('110105194902300021')).toBe('birthDate')
    expect(idCardProblem('110105194912310021')).toBe('checkDigit')
    expect(idCardProblem('')).toBe('length')
  })

  it('refuses birth dates before 1900 (as the server does) and in the future', () => {
    expect(idCardProblem('440524188001010014')).toBe('birthDate')
    const first17 = '11010521991231001'
    expect(idCardProblem(first17 + checkDigit(first17))).toBe('birthDate')
  })

  it('derives birth date and gender (17th digit odd = male)', () => {
    expect(parseIdCard('11010519491231002X')).toEqual({ dob: '1949-12-31', gender: 'FEMALE' })
    expect(parseIdCard('440524198001010013')).toEqual({ dob: '1980-01-01', gender: 'MALE' })
    expect(parseIdCard('110105194912310021')).toBeNull()
  })

  it('normalises what is typed', () => {
    expect(normalizeIdCard(' 110105 19491231 002x ')).toBe('11010519491231002X')
  })
})

describe('mobile numbers', () => {
  it('accepts 1[3-9] and 11 digits only', () => {
    expect(isValidPhone('13812345678')).toBe(true)
    expect(isValidPhone('19912345678')).toBe(true)
    expect(isValidPhone('12812345678')).toBe(false)
    expect(isValidPhone('1381234567')).toBe(false)
    expect(isValidPhone('138123456789')).toBe(false)
  })
})
