import { describe, expect, it } from 'vitest'
import { createI18n } from 'vue-i18n'
import type { Conflict } from '@/api/types'
import zhCN from '@/i18n/zh-CN'
import en from '@/i18n/en'
import { conflictMessage, type Translate } from './conflict'

function translate(locale: 'zh-CN' | 'en'): Translate {
  const i18n = createI18n({ legacy: false, locale, messages: { 'zh-CN': zhCN, en } })
  return (key, params) => i18n.global.t(key, params)
}

const patient: Conflict = {
  resource: 'PATIENT',
  id: 7,
  patient_name: '王秀英',
  document_type: 'ID_CARD',
  document_masked: '330102********123X',
}
const booking: Conflict = {
  resource: 'APPOINTMENT',
  id: 31,
  patient_name: '王秀英',
  schedule_date: '2026-12-04',
  time_slot: 'MORNING',
  doctor_name: '刘佳怡',
  queue_no: 3,
}

describe('conflict messages', () => {
  it('name the patient an identity number is registered to', () => {
    expect(conflictMessage(patient, translate('zh-CN'))).toBe('该证件号已登记为患者 王秀英（身份证 330102********123X）')
    expect(conflictMessage(patient, translate('en'))).toBe(
      'This document is already registered to 王秀英 (ID card 330102********123X)',
    )
  })

  it('name the type of document as well: a passport, a permit', () => {
    const passport: Conflict = { ...patient, document_type: 'PASSPORT', document_masked: 'E*****678' }
    expect(conflictMessage(passport, translate('zh-CN'))).toBe('该证件号已登记为患者 王秀英（护照 E*****678）')
    expect(conflictMessage(passport, translate('en'))).toBe(
      'This document is already registered to 王秀英 (Passport E*****678)',
    )
    const permit: Conflict = { ...patient, document_type: 'HK_MACAO_PERMIT', document_masked: 'H*****678' }
    expect(conflictMessage(permit, translate('zh-CN'))).toBe('该证件号已登记为患者 王秀英（港澳通行证 H*****678）')
    expect(conflictMessage(permit, translate('en'))).toBe(
      'This document is already registered to 王秀英 (HK/Macao permit H*****678)',
    )
  })

  it("name the patient's booking: date, time slot, doctor and queue number", () => {
    expect(conflictMessage(booking, translate('zh-CN'))).toBe('该患者已预约此号源：2026-12-04 上午 刘佳怡 第3号')
    expect(conflictMessage({ ...booking, time_slot: 'EVENING' }, translate('en'))).toBe(
      'This patient is already booked on this schedule: 2026-12-04 Evening, 刘佳怡, No. 3',
    )
  })

  it('still say what collided when the record is not named', () => {
    const t = translate('zh-CN')
    expect(conflictMessage({ resource: 'PATIENT', id: 7 }, t)).toBe('该证件号已登记为其他患者')
    expect(conflictMessage({ resource: 'APPOINTMENT', id: 31, queue_no: 3 }, t)).toBe('该患者已预约此号源')
  })
})
