// The create/edit dialog of an administration table: open it empty or filled from a row, save with POST or
// PUT, and show the server's field errors at their fields.
import { reactive, ref, useTemplateRef } from 'vue'
import type { FormInstance } from 'element-plus'
import { useFieldErrors } from './useFieldErrors'
import { notifySuccess } from './feedback'
import { i18n } from '@/i18n'

export function useCrudDialog<Form extends object, Row extends { id: number }>(options: {
  empty: () => Form
  fromRow: (row: Row) => Form
  create: (form: Form) => Promise<unknown>
  update: (id: number, form: Form) => Promise<unknown>
  fields: string[]
  onSaved: () => void
}) {
  const visible = ref(false)
  const editingId = ref<number | null>(null)
  const saving = ref(false)
  // The dialog's <el-form ref="crudForm">.
  const formRef = useTemplateRef<FormInstance>('crudForm')
  const form = reactive(options.empty()) as Form
  const { errors, clear, show } = useFieldErrors(() => options.fields)

  function open(row?: Row): void {
    clear()
    editingId.value = row?.id ?? null
    Object.assign(form, row ? options.fromRow(row) : options.empty())
    visible.value = true
    formRef.value?.clearValidate()
  }

  async function save(): Promise<void> {
    clear()
    if (formRef.value && !(await formRef.value.validate().catch(() => false))) return
    saving.value = true
    try {
      if (editingId.value == null) await options.create(form)
      else await options.update(editingId.value, form)
      notifySuccess(editingId.value == null ? i18n.global.t('common.created') : i18n.global.t('common.saved'))
      visible.value = false
      options.onSaved()
    } catch (e) {
      show(e)
    } finally {
      saving.value = false
    }
  }

  return { visible, editingId, saving, form, errors, open, save }
}
