import { describe, expect, it } from 'vitest'
import { maskDocument, maskName, maskPhone } from './mask'

describe('masking', () => {
  it('names a patient as the queue board does', () => {
    expect(maskName('王小英')).toBe('王*英')
    expect(maskName('李明')).toBe('李*')
    expect(maskName('欧阳娜娜')).toBe('欧**娜')
    expect(maskName('王')).toBe('王')
    expect(maskName('')).toBe('')
  })

  it('keeps the ends of identity numbers and phones', () => {
    expect(maskDocument('ID_CARD', '110105199001011234')).toBe('110105********1234')
    expect(maskDocument('PERMANENT_RESIDENCE', '915611198506150019')).toBe('915611********0019')
    expect(maskDocument('PASSPORT', 'E12345678')).toBe('E*****678')
    expect(maskDocument('TAIWAN_PERMIT', '12345678')).toBe('1****678')
    expect(maskPhone('13812345678')).toBe('138****5678')
  })
})
