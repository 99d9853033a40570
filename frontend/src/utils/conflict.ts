// What a 409 collided with, named so the desk recognises it: the patient already registered with an
// identity document (its type and masked number), the booking a patient already has on a schedule, or the
// department, doctor, catalogue item, diagnosis, insurance type or colleague that already holds a code, name,
// phone or username, the doctor's schedule in a slot, who closed a cashier's day and when, and the bills drawn
// under a policy. Dates and time slots read as the rest of the app shows them ("2026-12-04 上午"). A booking
// rule's refusal (named by the problem's code) says when booking opens or closed, how many bookings or no-shows
// count against the patient and until when, or how long the waitlist may grow.
import type { Conflict } from '@/api/types'
import { addDays, formatDateTime } from './dates'
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

/** A local date ("2026-12-07", or the date of "2026-12-07T08:00:00") as the catalogue writes a day: 12月7日. */
function dayText(value: string, t: Translate): string {
  const [y, m, d] = value.slice(0, 10).split('-').map(Number)
  return t('conflict.day', { y: y ?? 0, m: m ?? 0, d: d ?? 0, date: value.slice(0, 10) })
}

/** A local date-time ("2026-12-07T08:00:00") as 12月7日 08:00. */
function momentText(value: string, t: Translate): string {
  return `${dayText(value, t)} ${value.slice(11, 16)}`
}

/** The sentence of a booking rule's refusal, or null for other codes. */
function ruleMessage(code: string, c: Conflict, t: Translate): string | null {
  const bare = (): string => t(`errors.codes.${code}`, {})
  switch (code) {
    case 'BOOKING_NOT_OPEN':
      return c.at ? t('conflict.bookingNotOpen', { at: momentText(c.at, t) }) : bare()
    case 'BOOKING_CLOSED':
      return c.at ? t('conflict.bookingClosed', { at: momentText(c.at, t) }) : bare()
    case 'BOOKING_LIMIT':
      return c.limit != null && c.count != null ? t('conflict.bookingLimit', { limit: c.limit, count: c.count }) : bare()
    case 'NO_SHOW_BAN':
      if (c.count == null || !c.day || !c.until) return bare()
      // `until` is the last day barred: booking opens again the day after.
      return t('conflict.noShowBan', { count: c.count, day: dayText(c.day, t), before: dayText(addDays(c.until, 1), t) })
    case 'WAITLIST_FULL':
      if (c.limit === 0) return t('conflict.noWaitlist', {})
      return c.limit != null ? t('conflict.waitlistFull', { limit: c.limit }) : bare()
    case 'CAPACITY_BELOW_BOOKED':
      return c.count != null ? t('conflict.capacityBelowBooked', { count: c.count }) : bare()
    default:
      return null
  }
}

/** The sentence naming what the request collided with; `code` is the problem's (a booking rule's refusal). */
export function conflictMessage(conflict: Conflict, t: Translate, code?: string): string {
  const rule = code ? ruleMessage(code, conflict, t) : null
  if (rule !== null) return rule
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
