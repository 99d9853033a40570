import { describe, expect, it } from 'vitest'
import { maskIdCard, maskName, maskPhone } from './mask'

describe('masking', () => {
  it('names a patient as the queue board does', () => {
    expect(maskName('王小英')).toBe('王*英')
    expect(maskName('李明')).toBe('李*')
    expect(maskName('欧阳娜娜')).toBe('欧**娜')
    expect(maskName('王')).toBe('王')
    expect(maskName('')).toBe('')
  })

  it('keeps the ends of identity numbers and phones', () => {
    expect(maskIdCard('110105199001011234')).toBe('110105********1234')
    expect(maskPhone('13812345678')).toBe('138****5678')
  })
})
