// Server validation errors shown at their form fields: `errors[field]` feeds `<el-form-item :error>`.
import { reactive } from 'vue'
import { ApiError, fieldErrorMap } from '@/api/errors'
import { notifyError } from './feedback'
import { i18n } from '@/i18n'
import { ElMessage } from 'element-plus'
import { localizeFieldMessage } from '@/utils/fieldMessages'

export function useFieldErrors(knownFields?: () => string[]) {
  const errors = reactive<Record<string, string>>({})

  function clear(field?: string): void {
    if (field !== undefined) delete errors[field]
    else for (const k of Object.keys(errors)) delete errors[k]
  }

  /**
   * Shows an error: field errors at their fields (and any the form does not draw in the message), anything
   * else as a message. Returns true when field errors were shown.
   */
  function show(e: unknown): boolean {
    clear()
    if (e instanceof ApiError && e.fieldErrors.length > 0) {
      const locale = i18n.global.locale.value
      const map = fieldErrorMap(
        e.fieldErrors.map((f) => ({ field: f.field, message: localizeFieldMessage(f.message, locale) })),
      )
      Object.assign(errors, map)
      const known = knownFields?.()
      const elsewhere = known ? Object.entries(map).filter(([f]) => !known.includes(f)) : []
      const extra = elsewhere.map(([f, m]) => `${f}: ${m}`).join('; ')
      ElMessage.error({
        message: extra ? `${i18n.global.t('errors.fieldsInvalid')} (${extra})` : i18n.global.t('errors.fieldsInvalid'),
        grouping: true,
      })
      return true
    }
    notifyError(e)
    return false
  }

  return { errors, clear, show }
}
