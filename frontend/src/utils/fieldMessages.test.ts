import { describe, expect, it } from 'vitest'
import { localizeFieldMessage } from './fieldMessages'

describe('server field messages in Chinese', () => {
  it('translates the messages the server sends', () => {
    expect(localizeFieldMessage('must be between 1 and 500', 'zh-CN')).toBe('须在 1 到 500 之间')
    expect(localizeFieldMessage('must be between 0 and the total', 'zh-CN')).toBe('须在 0 到 总金额 之间')
    expect(localizeFieldMessage('the check digit does not match', 'zh-CN')).toBe('证件号码校验位不正确')
    expect(localizeFieldMessage('a passport number is 5 to 17 letters and digits', 'zh-CN')).toBe(
      '护照号码应为 5 至 17 位字母或数字',
    )
    expect(localizeFieldMessage('is required for a patient with no document yet', 'zh-CN')).toBe(
      '暂无证件的新生儿须登记监护人',
    )
    expect(localizeFieldMessage('is already registered to another patient', 'zh-CN')).toBe('已被使用，请换一个')
    expect(localizeFieldMessage('must be at most 64 characters', 'zh-CN')).toBe('最多 64 个字符')
    expect(localizeFieldMessage('no such doctor', 'zh-CN')).toBe('不存在')
    expect(localizeFieldMessage('another policy of this insurance type starts on this date', 'zh-CN')).toBe(
      '该医保类型已有从这一天起生效的政策',
    )
    expect(localizeFieldMessage('is listed twice', 'zh-CN')).toBe('重复列出')
    expect(localizeFieldMessage('must be in whole fen (at most 2 decimal places)', 'zh-CN')).toBe(
      '须精确到分（最多两位小数）',
    )
    expect(localizeFieldMessage('has not ended yet: a period is reviewed once it is over', 'zh-CN')).toBe(
      '该月尚未结束，结束后才能审核',
    )
    expect(localizeFieldMessage('is required to reopen a period', 'zh-CN')).toBe('重新打开期间必须填写原因')
    expect(localizeFieldMessage('is a calculation of 2026-09, not of 2026-10', 'zh-CN')).toBe(
      '是 2026-09 的核算任务，不是 2026-10 的',
    )
    expect(localizeFieldMessage('must be greater than 0', 'zh-CN')).toBe('须大于 0')
    expect(localizeFieldMessage('is required for HISTORY_AVERAGE: 1 to 36 previous periods', 'zh-CN')).toBe(
      '历史类标杆来源须填写回溯期数（1–36 期）',
    )
    expect(localizeFieldMessage('is only for the HISTORY_* methods, not HOSPITAL_AVERAGE', 'zh-CN')).toBe(
      '只有历史类标杆来源才填写回溯期数',
    )
  })

  it('keeps unknown messages, and English as it is', () => {
    expect(localizeFieldMessage('something new', 'zh-CN')).toBe('something new')
    expect(localizeFieldMessage('must be between 1 and 500', 'en')).toBe('must be between 1 and 500')
  })
})
