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

  it('says a calculation or import of a closed period, or a review while one runs, was refused and why', async () => {
    const closed = new ApiError(409, 'PERIOD_CLOSED', 'the period 2026-10 is PUBLISHED: its calculations and inputs change only once it is reopened')
    const busy = new ApiError(409, 'PERIOD_BUSY', 'a calculation of 2026-10 is queued or running')
    expect(errorMessage(closed)).toBe('该核算期间已审核、发布或锁定，不能再核算或导入数据；如需修改，请先重新打开期间。')
    expect(errorMessage(busy)).toBe('该期间还有排队或运行中的核算任务，请等其完成后再审核。')
    await setLocale('en')
    expect(errorMessage(closed)).toContain('until it is reopened')
    expect(errorMessage(busy)).toContain('queued or running')
  })
})
