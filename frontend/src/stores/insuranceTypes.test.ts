import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { InsuranceTypeEntry } from '@/api/types'
import { i18n, setLocale } from '@/i18n'

const get = vi.fn()
vi.mock('@/api/client', () => ({
  api: { GET: (...args: unknown[]) => get(...args) },
  ok: async (call: Promise<{ data: unknown }>) => (await call).data,
}))

const { useInsuranceTypesStore } = await import('./insuranceTypes')

let nextId = 1
function entry(code: string, name: string, is_active = true): InsuranceTypeEntry {
  const at = '2026-01-01T00:00:00Z'
  return { id: nextId++, code, name, is_active, created_at: at, updated_at: at }
}

// The hospital's list: the national types (their names as the server keeps them), then its own.
const HOSPITAL = [
  entry('EMPLOYEE', '城镇职工医保'),
  entry('RESIDENT', '城乡居民医保'),
  entry('SELF_PAY', '自费'),
  entry('COMMERCIAL', '商业保险'),
  entry('NCMS', '新农合', false),
]

function page(items: InsuranceTypeEntry[], total = items.length) {
  return { data: { items, total, page: 1, page_size: 100 } }
}

async function loaded() {
  get.mockResolvedValue(page(HOSPITAL))
  const store = useInsuranceTypesStore()
  await store.load()
  return store
}

describe('the insurance types store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    get.mockReset()
  })
  afterEach(async () => {
    await setLocale('zh-CN')
  })

  it('names a national type from the catalogue, in the language shown', async () => {
    const store = await loaded()
    expect(store.label('EMPLOYEE')).toBe('职工医保')
    expect(store.label('SELF_PAY')).toBe('自费')
    await setLocale('en')
    expect(i18n.global.locale.value).toBe('en')
    expect(store.label('EMPLOYEE')).toBe('Employee insurance')
    expect(store.label('RESIDENT')).toBe('Resident insurance')
  })

  it("names the hospital's own type by its name, in either language, and an unknown code by itself", async () => {
    const store = await loaded()
    expect(store.label('COMMERCIAL')).toBe('商业保险')
    expect(store.label('NCMS')).toBe('新农合')
    await setLocale('en')
    expect(store.label('COMMERCIAL')).toBe('商业保险')
    expect(store.label('GONE')).toBe('GONE')
    expect(store.label(null)).toBe('')
  })

  it('offers the active types in order, and keeps a record’s own inactive type', async () => {
    const store = await loaded()
    expect(store.options()).toEqual([
      { value: 'EMPLOYEE', label: '职工医保' },
      { value: 'RESIDENT', label: '居民医保' },
      { value: 'SELF_PAY', label: '自费' },
      { value: 'COMMERCIAL', label: '商业保险' },
    ])
    expect(store.options('NCMS').map((o) => o.value)).toEqual(['EMPLOYEE', 'RESIDENT', 'SELF_PAY', 'COMMERCIAL', 'NCMS'])
    expect(store.options('NCMS').at(-1)).toEqual({ value: 'NCMS', label: '新农合' })
    expect(store.options('COMMERCIAL')).toHaveLength(4)
    // A code not listed (yet) still shows as itself.
    expect(store.options('GONE').at(-1)).toEqual({ value: 'GONE', label: 'GONE' })
  })

  it('loads once, all pages, and again when refreshed', async () => {
    const many = Array.from({ length: 130 }, (_, i) => entry(`T${i}`, `类型${i}`))
    get.mockImplementation(async (_path: string, init: { params: { query: { page: number; page_size: number } } }) => {
      const { page: n, page_size: size } = init.params.query
      return page(many.slice((n - 1) * size, n * size), many.length)
    })
    const store = useInsuranceTypesStore()
    store.options()
    store.options()
    await store.load()
    expect(get).toHaveBeenCalledTimes(2)
    expect(get.mock.calls.map((c) => c[1].params.query)).toEqual([
      { page: 1, page_size: 100 },
      { page: 2, page_size: 100 },
    ])
    expect(store.types).toHaveLength(130)
    await store.load(true)
    expect(get).toHaveBeenCalledTimes(4)
  })

  it('tries again after a failed load', async () => {
    get.mockRejectedValueOnce(new Error('offline'))
    const store = useInsuranceTypesStore()
    await expect(store.load()).rejects.toThrow('offline')
    get.mockResolvedValue(page(HOSPITAL))
    await store.load()
    expect(store.label('COMMERCIAL')).toBe('商业保险')
  })
})
