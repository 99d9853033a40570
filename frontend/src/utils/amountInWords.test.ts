import { describe, expect, it } from 'vitest'
import { amountInWords } from './amountInWords'

describe('amountInWords', () => {
  it('writes yuan, jiao and fen, with 整 only for whole yuan', () => {
    expect(amountInWords('77.0500')).toBe('柒拾柒元零伍分')
    expect(amountInWords('100.00')).toBe('壹佰元整')
    expect(amountInWords('0.50')).toBe('伍角')
    expect(amountInWords('0.05')).toBe('伍分')
    expect(amountInWords('0.55')).toBe('伍角伍分')
    expect(amountInWords('12.30')).toBe('壹拾贰元叁角')
    expect(amountInWords('12.34')).toBe('壹拾贰元叁角肆分')
    expect(amountInWords('1')).toBe('壹元整')
    expect(amountInWords('10')).toBe('壹拾元整')
    expect(amountInWords(35.8)).toBe('叁拾伍元捌角')
  })

  it('says 零 once for zeros inside a number and nothing for trailing ones', () => {
    expect(amountInWords('101')).toBe('壹佰零壹元整')
    expect(amountInWords('1001')).toBe('壹仟零壹元整')
    expect(amountInWords('1005.00')).toBe('壹仟零伍元整')
    expect(amountInWords('1050')).toBe('壹仟零伍拾元整')
    expect(amountInWords('1500')).toBe('壹仟伍佰元整')
    expect(amountInWords('100.05')).toBe('壹佰元零伍分')
    expect(amountInWords('100.50')).toBe('壹佰元伍角')
    expect(amountInWords('2020.02')).toBe('贰仟零贰拾元零贰分')
  })

  it('groups by 万 and 亿', () => {
    expect(amountInWords('10000')).toBe('壹万元整')
    expect(amountInWords('10005')).toBe('壹万零伍元整')
    expect(amountInWords('10500')).toBe('壹万零伍佰元整')
    expect(amountInWords('15000')).toBe('壹万伍仟元整')
    expect(amountInWords('110000')).toBe('壹拾壹万元整')
    expect(amountInWords('1000050')).toBe('壹佰万零伍拾元整')
    expect(amountInWords('12345678.90')).toBe('壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元玖角')
    expect(amountInWords('100000000')).toBe('壹亿元整')
    expect(amountInWords('100000001')).toBe('壹亿零壹元整')
    expect(amountInWords('100100000')).toBe('壹亿零壹拾万元整')
    expect(amountInWords('110000000')).toBe('壹亿壹仟万元整')
    expect(amountInWords('1000000000000')).toBe('壹万亿元整')
  })

  it('rounds to cents as the figure does, and writes refunds and nothing', () => {
    expect(amountInWords('77.0450')).toBe('柒拾柒元零伍分')
    expect(amountInWords('0.0049')).toBe('零元整')
    expect(amountInWords('0')).toBe('零元整')
    expect(amountInWords('-35.50')).toBe('负叁拾伍元伍角')
    expect(amountInWords('abc')).toBe('')
    expect(amountInWords(null)).toBe('')
    expect(() => amountInWords('100000000000000000')).toThrow(RangeError)
  })
})
