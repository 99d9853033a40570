// What a 409 collided with, named so the desk recognises it: the patient already registered with an
// identity document (its type and masked number), the booking a patient already has on a schedule, or the
// department, doctor, catalogue item, diagnosis, insurance type or colleague that already holds a code, name,
// phone or username, the doctor's schedule in a slot, who closed a cashier's day and when, and the bills drawn
// under a policy. Dates and time slots read as the rest of the app shows them ("2026-12-04 上午").
import type { Conflict } from '@/api/types'
import { formatDateTime } from './dates'
import { documentText } from './document'

/** The catalogue's translate function (vue-i18n's `t`). */
export type Translate = (key: string, params: Record<string, string | number>) => string

/** The message keys of reference data's conflicts, named by their code and name. */
const referenceKeys = {
  DEPARTMENT: 'department',
  DOCTOR: 'doctor',
  CHARGE_ITEM: 'chargeItem',
  DIAGNOSIS: 'diagnosis',
  INSURANCE_TYPE: 'insuranceType',
  USER: 'user',
} as const

/** A message of the catalogue, or `fallback` where the catalogue has none (vue-i18n answers the key). */
function known(t: Translate, key: string, fallback: string): string {
  const text = t(key, {})
  return text === key ? fallback : text
}

/** The sentence naming what the request collided with. */
export function conflictMessage(conflict: Conflict, t: Translate): string {
  switch (conflict.resource) {
    case 'PATIENT': {
      const { patient_name: name, document_type: type, document_masked: number } = conflict
      if (!name || !type) return t('conflict.patientBare', {})
      return t('conflict.patient', { name, document: documentText(type, number, t) })
    }
    case 'APPOINTMENT': {
      const { schedule_date: date, time_slot: slot, doctor_name: doctor, queue_no: n } = conflict
      if (!date || !slot || !doctor || n === null || n === undefined) return t('conflict.appointmentBare', {})
      return t('conflict.appointment', { date, slot: t(`enums.timeSlot.${slot}`, {}), doctor, n })
    }
    case 'SCHEDULE': {
      const { schedule_date: date, time_slot: slot, doctor_name: doctor } = conflict
      if (!date || !slot) return t('conflict.scheduleBare', {})
      return t('conflict.schedule', { date, slot: t(`enums.timeSlot.${slot}`, {}), doctor: doctor ?? '' })
    }
    case 'SETTLEMENT_DAY': {
      const { day, closed_by: by, closed_at: at } = conflict
      if (!day || !by || !at) return t('conflict.dayClosedBare', {})
      return t('conflict.dayClosed', { day, by, at: formatDateTime(at) })
    }
    case 'INSURANCE_POLICY': {
      const { code, day, bills } = conflict
      if (!code || !day || bills === null || bills === undefined) return t('conflict.policyInUseBare', {})
      return t('conflict.policyInUse', { type: known(t, `enums.insurance.${code}`, code), day, n: bills })
    }
    default: {
      const key = referenceKeys[conflict.resource]
      const { name, code } = conflict
      if (!name) return t('conflict.referenceBare', {})
      return t(`conflict.${key}`, { name, code: code ?? '' })
    }
  }
}
