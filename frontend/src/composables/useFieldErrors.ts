// Server validation errors shown at their form fields: `errors[field]` feeds `<el-form-item :error>`. A 409
// that names the record it collided with shows that record at the field rather than the server's sentence.
import { reactive, shallowRef } from 'vue'
import { ApiError, fieldErrorMap } from '@/api/errors'
import type { Conflict } from '@/api/types'
import { notifyError } from './feedback'
import { i18n } from '@/i18n'
import { ElMessage } from 'element-plus'
import { conflictMessage } from '@/utils/conflict'
import { localizeFieldMessage } from '@/utils/fieldMessages'

export function useFieldErrors(knownFields?: () => string[]) {
  const errors = reactive<Record<string, string>>({})
  /** The record the last refusal collided with, while the field that named it still shows the error. */
  const conflict = shallowRef<Conflict | null>(null)
  let conflictFields: string[] = []

  function clear(field?: string): void {
    if (field !== undefined) {
      delete errors[field]
      if (conflictFields.includes(field)) conflict.value = null
    } else {
      for (const k of Object.keys(errors)) delete errors[k]
      conflict.value = null
    }
  }

  /**
   * Shows an error: field errors at their fields (and any the form does not draw in the message), anything
   * else as a message. Returns true when field errors were shown.
   */
  function show(e: unknown): boolean {
    clear()
    if (e instanceof ApiError && e.fieldErrors.length > 0) {
      const { locale, t } = i18n.global
      const collided = e.conflict ? conflictMessage(e.conflict, t, e.code) : null
      const map = fieldErrorMap(
        e.fieldErrors.map((f) => ({
          field: f.field,
          message: collided ?? localizeFieldMessage(f.message, locale.value),
        })),
      )
      Object.assign(errors, map)
      conflict.value = e.conflict
      conflictFields = Object.keys(map)
      const known = knownFields?.()
      const elsewhere = known ? Object.entries(map).filter(([f]) => !known.includes(f)) : []
      const extra = elsewhere.map(([f, m]) => `${f}: ${m}`).join('; ')
      ElMessage.error({
        message: extra ? `${t('errors.fieldsInvalid')} (${extra})` : t('errors.fieldsInvalid'),
        grouping: true,
      })
      return true
    }
    notifyError(e)
    return false
  }

  return { errors, conflict, clear, show }
}
