// The create/edit dialog of an administration table: open it empty or filled from a row, save with POST or
// PUT, and show the server's field errors at their fields. The view draws it as <FormDialog ref="crudForm">.
import { reactive, ref } from 'vue'
import { useFormDialog } from './useFormDialog'
import { notifySuccess } from './feedback'
import { i18n } from '@/i18n'

export function useCrudDialog<Form extends object, Row extends { id: number }>(options: {
  empty: () => Form
  fromRow: (row: Row) => Form
  create: (form: Form) => Promise<unknown>
  update: (id: number, form: Form) => Promise<unknown>
  /** The fields the form draws; a function for a form whose rows come and go. */
  fields: string[] | (() => string[])
  onSaved: () => void
}) {
  const editingId = ref<number | null>(null)
  const form = reactive(options.empty()) as Form
  const fields = options.fields
  const dialog = useFormDialog({ fields: typeof fields === 'function' ? fields : () => fields, refName: 'crudForm' })

  function open(row?: Row): void {
    dialog.open(() => {
      editingId.value = row?.id ?? null
      Object.assign(form, row ? options.fromRow(row) : options.empty())
    })
  }

  async function save(): Promise<void> {
    const saved = await dialog.submit(async () => {
      if (editingId.value == null) await options.create(form)
      else await options.update(editingId.value, form)
      notifySuccess(editingId.value == null ? i18n.global.t('common.created') : i18n.global.t('common.saved'))
    })
    if (saved) options.onSaved()
  }

  const { visible, saving, errors } = dialog
  return { visible, editingId, saving, form, errors, open, save }
}
