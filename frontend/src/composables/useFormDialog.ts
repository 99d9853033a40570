// A dialog whose form is saved to the server: open and closed, the save in flight, the form's own rules
// checked first, and the server's field errors shown at their fields. The form is a <FormDialog> with
// ref="formDialog" (or the name given) in the same component.
import { ref, useTemplateRef, type Ref } from 'vue'
import { useFieldErrors } from './useFieldErrors'

/** The form checks a <FormDialog> offers. */
export interface FormChecks {
  /** Resolves false when a rule fails (the failures show at their fields). */
  validate: () => Promise<boolean>
  clearValidate: (props?: string[]) => void
}

export function useFormDialog(options: {
  /** The fields the form draws: server errors for any other field are named in the message. */
  fields: () => string[]
  /** The template ref of the <FormDialog>. */
  refName?: string
  /** Where the dialog is open; a component whose parent opens it passes its v-model here. */
  visible?: Ref<boolean>
}) {
  const visible = options.visible ?? ref(false)
  const saving = ref(false)
  const formRef = useTemplateRef<FormChecks>(options.refName ?? 'formDialog')
  const { errors, conflict, clear, show } = useFieldErrors(options.fields)

  /** Opens the dialog with no message left from before; `fill` sets the form's values first. */
  function open(fill?: () => void): void {
    clear()
    fill?.()
    visible.value = true
    formRef.value?.clearValidate()
  }

  /**
   * Checks the form's rules (unless `validate` is false), then runs `action`: the dialog closes when it
   * succeeds and shows the server's errors when it fails. Resolves true when it succeeded.
   */
  async function submit(action: () => Promise<void>, validate = true): Promise<boolean> {
    clear()
    if (validate && formRef.value && !(await formRef.value.validate())) return false
    saving.value = true
    try {
      await action()
      visible.value = false
      return true
    } catch (e) {
      show(e)
      return false
    } finally {
      saving.value = false
    }
  }

  return { visible, saving, errors, conflict, clear, show, open, submit, formRef }
}
