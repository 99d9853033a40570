import { describe, expect, it } from 'vitest'
import { REGISTRATION_ITEM_CODE, itemWithCode } from './registration'

describe('registration fee', () => {
  it('has an item code for every title', () => {
    expect(REGISTRATION_ITEM_CODE).toEqual({
      CHIEF: 'REG-CHIEF',
      ASSOCIATE_CHIEF: 'REG-ASSOC',
      ATTENDING: 'REG-ATTEND',
      RESIDENT: 'REG-RES',
    })
  })

  it('picks the item with exactly the code from a search', () => {
    const items = [{ item_code: 'REG-RES-NIGHT' }, { item_code: 'REG-RES' }]
    expect(itemWithCode(items, 'REG-RES')).toBe(items[1])
    expect(itemWithCode(items, 'REG-CHIEF')).toBeNull()
  })
})
