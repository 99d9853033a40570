import { describe, expect, it } from 'vitest'
import { createI18n } from 'vue-i18n'
import type { Conflict } from '@/api/types'
import zhCN from '@/i18n/zh-CN'
import en from '@/i18n/en'
import { conflictMessage, type Translate } from './conflict'
import { formatDateTime } from './dates'

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

  it('name the department, doctor, item or diagnosis that holds a code, name or phone', () => {
    const zh = translate('zh-CN')
    const en = translate('en')
    const department: Conflict = { resource: 'DEPARTMENT', id: 2, code: 'CARD', name: '心内科' }
    expect(conflictMessage(department, zh)).toBe('已被科室 心内科（CARD）使用')
    expect(conflictMessage(department, en)).toBe('Already used by the department 心内科 (CARD)')
    const doctor: Conflict = { resource: 'DOCTOR', id: 5, name: '张伟' }
    expect(conflictMessage(doctor, zh)).toBe('已被医生 张伟 使用')
    expect(conflictMessage(doctor, en)).toBe('Already used by the doctor 张伟')
    const item: Conflict = { resource: 'CHARGE_ITEM', id: 9, code: 'ECG01', name: '心电图' }
    expect(conflictMessage(item, zh)).toBe('已被收费项目 心电图（ECG01）使用')
    const diagnosis: Conflict = { resource: 'DIAGNOSIS', id: 4, code: 'J11.1', name: '流行性感冒' }
    expect(conflictMessage(diagnosis, zh)).toBe('诊断字典中已有 J11.1 流行性感冒')
    expect(conflictMessage(diagnosis, en)).toBe('Already in the dictionary: J11.1 流行性感冒')
    expect(conflictMessage({ resource: 'DIAGNOSIS', id: 4 }, en)).toBe('Already used by another record')
  })

  it("name the doctor's schedule in a slot, who closed a day, and the bills under a policy", () => {
    const zh = translate('zh-CN')
    const en = translate('en')
    const schedule: Conflict = {
      resource: 'SCHEDULE',
      id: 8,
      schedule_date: '2026-12-07',
      time_slot: 'AFTERNOON',
      doctor_name: '刘佳怡',
    }
    expect(conflictMessage(schedule, zh)).toBe('该医生在此时段已有排班：2026-12-07 下午 刘佳怡')
    const at = '2026-12-04T10:30:00Z'
    const day: Conflict = { resource: 'SETTLEMENT_DAY', id: 3, day: '2026-12-04', closed_by: '王芳', closed_at: at }
    expect(conflictMessage(day, zh)).toBe(
      `2026-12-04 的收费已由 王芳 于 ${formatDateTime(at)} 日结关账，不能再收费或退费`,
    )
    const policy: Conflict = { resource: 'INSURANCE_POLICY', id: 5, code: 'EMPLOYEE', day: '2020-01-01', bills: 2 }
    expect(conflictMessage(policy, zh)).toBe(
      '已有 2 张账单按此政策（职工医保，2020-01-01 起）结算，不能修改或删除；请新增一条以后生效的政策',
    )
    // A hospital's own type has no name in the catalogue: its code stands in.
    expect(conflictMessage({ ...policy, code: 'COMMERCIAL' }, en)).toBe(
      '2 bill(s) were drawn under this policy (COMMERCIAL, from 2020-01-01): it cannot change; add a policy from a later date',
    )
    const user: Conflict = { resource: 'USER', id: 9, code: 'nurse_wang', name: '王护士' }
    expect(conflictMessage(user, zh)).toBe('用户名已被 王护士（nurse_wang）使用')
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

describe("booking rules' refusals", () => {
  const zh = translate('zh-CN')
  const en = translate('en')
  const slot: Conflict = { resource: 'SCHEDULE', id: 8, schedule_date: '2026-12-14', time_slot: 'MORNING' }

  it('say when booking opens or closed', () => {
    const at = { ...slot, at: '2026-12-07T08:00:00' }
    expect(conflictMessage(at, zh, 'BOOKING_NOT_OPEN')).toBe('该时段 12月7日 08:00 开放预约')
    expect(conflictMessage(at, en, 'BOOKING_NOT_OPEN')).toBe('Booking for this slot opens at 2026-12-07 08:00')
    expect(conflictMessage(at, zh, 'BOOKING_CLOSED')).toBe('该时段已于 12月7日 08:00 停止预约')
    // Without the time: the code's own sentence, never the schedule's collision.
    expect(conflictMessage(slot, zh, 'BOOKING_NOT_OPEN')).toBe('该时段尚未开放预约。')
  })

  it('count the bookings held and the no-shows, and say until when', () => {
    const patient: Conflict = { resource: 'PATIENT', id: 7, patient_name: '王秀英' }
    expect(conflictMessage({ ...patient, limit: 3, count: 3 }, zh, 'BOOKING_LIMIT')).toBe(
      '该患者已有 3 个未就诊的预约，最多可同时持有 3 个',
    )
    const ban = { ...patient, count: 3, day: '2026-12-01', until: '2026-12-07' }
    expect(conflictMessage(ban, zh, 'NO_SHOW_BAN')).toBe('3 次爽约，最近一次 12月1日，12月8日前不可预约（可由管理员免除）')
    expect(conflictMessage(ban, en, 'NO_SHOW_BAN')).toBe(
      '3 no-shows, the last on 2026-12-01: no booking before 2026-12-08 (an administrator can pardon)',
    )
  })

  it("name the waitlist's limit and the places booked", () => {
    expect(conflictMessage({ ...slot, limit: 20, count: 20 }, zh, 'WAITLIST_FULL')).toBe('候补已满（最多 20 人）')
    expect(conflictMessage({ ...slot, limit: 0, count: 0 }, zh, 'WAITLIST_FULL')).toBe('本院未开放候补')
    expect(conflictMessage({ ...slot, limit: 5, count: 12 }, zh, 'CAPACITY_BELOW_BOOKED')).toBe(
      '已有 12 人预约，号源数不能少于已预约人数',
    )
    // Another code on the same record: the schedule's collision as before.
    expect(conflictMessage({ ...slot, doctor_name: '刘佳怡' }, zh, 'DUPLICATE')).toBe('该医生在此时段已有排班：2026-12-14 上午 刘佳怡')
  })
})
