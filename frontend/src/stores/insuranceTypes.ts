// The hospital's insurance types: the three national ones (职工医保, 居民医保, 自费) and those it added itself
// (商业保险 …). Loaded once per session, the first time a name or the choices are asked for, and reloaded after
// an administrator changes them. Patients, policies and bills carry a type by its code.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, ok } from '@/api/client'
import type { InsuranceType, InsuranceTypeEntry } from '@/api/types'
import { i18n } from '@/i18n'

export interface InsuranceTypeOption {
  value: InsuranceType
  label: string
}

const PAGE_SIZE = 100

/** Every type, all pages, in the server's order (the national ones first, then the hospital's as added). */
async function fetchAll(): Promise<InsuranceTypeEntry[]> {
  const all: InsuranceTypeEntry[] = []
  for (let page = 1; ; page += 1) {
    const got = await ok(api.GET('/api/v1/insurance-types', { params: { query: { page, page_size: PAGE_SIZE } } }))
    all.push(...got.items)
    if (got.items.length < PAGE_SIZE || all.length >= got.total) return all
  }
}

export const useInsuranceTypesStore = defineStore('insuranceTypes', () => {
  const types = ref<InsuranceTypeEntry[]>([])
  let loading: Promise<void> | null = null

  const byCode = computed(() => new Map(types.value.map((x) => [x.code, x])))

  function load(force = false): Promise<void> {
    if (force) loading = null
    loading ??= fetchAll()
      .then((all) => {
        types.value = all
      })
      .catch((e: unknown) => {
        loading = null
        throw e
      })
    return loading
  }

  /** The first load, started by whoever needs the list first; until it is in, codes stand for themselves. */
  function ensureLoaded(): void {
    if (!loading) load().catch(() => undefined)
  }

  /** A type's name: the catalogue's for a national type (in the language shown), the hospital's own for its
   * own types, else the code. */
  function label(code: InsuranceType | null | undefined): string {
    if (!code) return ''
    const key = `enums.insurance.${code}`
    if (i18n.global.te(key)) return i18n.global.t(key)
    ensureLoaded()
    return byCode.value.get(code)?.name ?? code
  }

  /** The choices of a form or filter: the active types, and `current` (the record's own type) even when it is
   * inactive or not (yet) listed, so a record keeps showing what it has. */
  function options(current?: InsuranceType | null): InsuranceTypeOption[] {
    ensureLoaded()
    const codes = types.value.filter((x) => x.is_active || x.code === current).map((x) => x.code)
    if (current && !byCode.value.has(current)) codes.push(current)
    return codes.map((value) => ({ value, label: label(value) }))
  }

  return { types, load, label, options }
})
