// The front desk's working context: the patient being served, carried from the patient list to booking.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { Patient, PatientSummary } from '@/api/types'
import { maskIdCard, maskPhone } from '@/utils/mask'

export function summaryOf(p: Patient): PatientSummary {
  return {
    id: p.id,
    name: p.name,
    id_card_masked: maskIdCard(p.id_card),
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
    patient.value = 'id_card' in p ? summaryOf(p) : p
  }

  return { patient, serve }
})
