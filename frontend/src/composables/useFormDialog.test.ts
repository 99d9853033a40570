import { createApp, defineComponent } from 'vue'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '@/api/errors'
import { notifyError } from './feedback'

vi.mock('./feedback', () => ({ notifyError: vi.fn() }))
vi.mock('element-plus', () => ({ ElMessage: { error: vi.fn() } }))

const { useFormDialog } = await import('./useFormDialog')

/** The dialog's state, inside a component as in a screen (with no form drawn). */
function dialog(): ReturnType<typeof useFormDialog> {
  let state: ReturnType<typeof useFormDialog> | undefined
  const host = defineComponent({
    setup() {
      state = useFormDialog({ fields: () => ['name'] })
      return () => null
    },
  })
  createApp(host).mount(document.createElement('div'))
  return state!
}

describe('a form dialog', () => {
  beforeEach(() => vi.clearAllMocks())

  it('opens filled and clean, and closes when the save succeeds', async () => {
    const d = dialog()
    const fill = vi.fn()
    d.errors.name = 'left from before'
    d.open(fill)
    expect(fill).toHaveBeenCalledTimes(1)
    expect(d.visible.value).toBe(true)
    expect(d.errors).toEqual({})
    const saved = await d.submit(async () => undefined)
    expect(saved).toBe(true)
    expect(d.visible.value).toBe(false)
    expect(d.saving.value).toBe(false)
  })

  it("stays open with the server's field errors at their fields", async () => {
    const d = dialog()
    d.open()
    const refused = new ApiError(422, 'VALIDATION_FAILED', 'invalid', [{ field: 'name', message: 'too long' }])
    const saved = await d.submit(() => Promise.reject(refused))
    expect(saved).toBe(false)
    expect(d.visible.value).toBe(true)
    expect(d.errors.name).toBeTruthy()
  })

  it('names the record a refusal collided with at its field, until the field changes', async () => {
    const d = dialog()
    d.open()
    const taken = new ApiError(409, 'DUPLICATE', 'document_no is already registered', [
      { field: 'document_no', message: 'is already registered to another patient' },
    ], [], 0, {
      resource: 'PATIENT',
      id: 7,
      patient_name: '王秀英',
      document_type: 'PASSPORT',
      document_masked: 'E*****678',
    })
    expect(await d.submit(() => Promise.reject(taken))).toBe(false)
    expect(d.errors.document_no).toBe('该证件号已登记为患者 王秀英（护照 E*****678）')
    expect(d.conflict.value?.id).toBe(7)
    d.clear('name')
    expect(d.conflict.value?.id).toBe(7)
    d.clear('document_no')
    expect(d.conflict.value).toBeNull()
    expect(d.errors.document_no).toBeUndefined()
  })

  it('shows any other failure as a message', async () => {
    const d = dialog()
    d.open()
    expect(await d.submit(() => Promise.reject(new Error('down')))).toBe(false)
    expect(notifyError).toHaveBeenCalledTimes(1)
    expect(d.visible.value).toBe(true)
  })
})
