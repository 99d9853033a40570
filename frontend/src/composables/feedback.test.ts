import { afterEach, describe, expect, it } from 'vitest'
import { ApiError } from '@/api/errors'
import { i18n, setLocale } from '@/i18n'
import { errorMessage } from './feedback'

describe('errorMessage', () => {
  afterEach(async () => {
    await setLocale('zh-CN')
  })

  it("says a payment or refund on a closed cashier's day was refused because the day is closed", async () => {
    const refused = new ApiError(409, 'DAY_CLOSED', "the cashier's day 2026-05-01 is closed")
    expect(errorMessage(refused)).toBe('当日收费已日结关账，不能再收费或退费。')
    await setLocale('en')
    expect(i18n.global.locale.value).toBe('en')
    expect(errorMessage(refused)).toContain("cashier's day is closed")
  })
})
