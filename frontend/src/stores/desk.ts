// The front desk's working context: the patient being served, carried from the patient list to booking.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { Patient, PatientSummary } from '@/api/types'
import { maskDocument, maskPhone } from '@/utils/mask'

export function summaryOf(p: Patient): PatientSummary {
  return {
    id: p.id,
    name: p.name,
    document_type: p.document_type,
    document_masked: p.document_no ? maskDocument(p.document_type, p.document_no) : null,
    phone_masked: maskPhone(p.phone),
    dob: p.dob,
    gender: p.gender,
    insurance_type: p.insurance_type,
    guardian_name: p.guardian?.name ?? null,
    is_active: p.is_active,
  }
}

export const useDeskStore = defineStore('desk', () => {
  const patient = ref<PatientSummary | null>(null)

  function serve(p: PatientSummary | Patient): void {
    patient.value = 'phone' in p ? summaryOf(p) : p
  }

  return { patient, serve }
})
