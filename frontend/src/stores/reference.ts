// Reference lists many screens pick from (departments, doctors), loaded once per session and reloaded
// after an administrator changes them.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, ok } from '@/api/client'
import type { Department, Doctor } from '@/api/types'

export const useReferenceStore = defineStore('reference', () => {
  const departments = ref<Department[]>([])
  const doctors = ref<Doctor[]>([])
  let departmentsLoad: Promise<void> | null = null
  let doctorsLoad: Promise<void> | null = null

  const activeDepartments = computed(() => departments.value.filter((d) => d.is_active))
  const departmentName = computed(() => {
    const names = new Map(departments.value.map((d) => [d.id, d.name]))
    return (id: number | null | undefined) => (id == null ? '' : (names.get(id) ?? `#${id}`))
  })

  function loadDepartments(force = false): Promise<void> {
    if (force) departmentsLoad = null
    departmentsLoad ??= ok(api.GET('/api/v1/departments', { params: { query: { page_size: 200, sort: 'code' } } }))
      .then((page) => {
        departments.value = page.items
      })
      .catch((e: unknown) => {
        departmentsLoad = null
        throw e
      })
    return departmentsLoad
  }

  function loadDoctors(force = false): Promise<void> {
    if (force) doctorsLoad = null
    doctorsLoad ??= ok(api.GET('/api/v1/doctors', { params: { query: { page_size: 200, sort: 'name' } } }))
      .then((page) => {
        doctors.value = page.items
      })
      .catch((e: unknown) => {
        doctorsLoad = null
        throw e
      })
    return doctorsLoad
  }

  function doctorsOf(departmentId: number | null | undefined): Doctor[] {
    return doctors.value.filter((d) => d.is_active && (departmentId == null || d.department_id === departmentId))
  }

  return {
    departments,
    doctors,
    activeDepartments,
    departmentName,
    loadDepartments,
    loadDoctors,
    doctorsOf,
  }
})
