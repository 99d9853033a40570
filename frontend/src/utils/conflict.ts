// What a 409 collided with, named so the desk recognises it: the patient already registered with an
// identity document (its type and masked number), or the booking a patient already has on a schedule. Dates and time slots read as the
// rest of the app shows them ("2026-12-04 上午").
import type { Conflict } from '@/api/types'
import { documentText } from './document'

/** The catalogue's translate function (vue-i18n's `t`). */
export type Translate = (key: string, params: Record<string, string | number>) => string

/** The sentence naming what the request collided with. */
export function conflictMessage(conflict: Conflict, t: Translate): string {
  if (conflict.resource === 'PATIENT') {
    const { patient_name: name, document_type: type, document_masked: number } = conflict
    if (!name || !type) return t('conflict.patientBare', {})
    return t('conflict.patient', { name, document: documentText(type, number, t) })
  }
  const { schedule_date: date, time_slot: slot, doctor_name: doctor, queue_no: n } = conflict
  if (!date || !slot || !doctor || n === null || n === undefined) return t('conflict.appointmentBare', {})
  return t('conflict.appointment', { date, slot: t(`enums.timeSlot.${slot}`, {}), doctor, n })
}
