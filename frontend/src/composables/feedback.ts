// Errors in plain words: a 409 that names what it collided with says so; otherwise the problem's machine
// code picks a sentence from the catalogue; the server's own detail (English, technical) is shown only when
// no sentence fits.
import { ElMessage, ElMessageBox } from 'element-plus'
import { ApiError } from '@/api/errors'
import { i18n } from '@/i18n'
import { conflictMessage } from '@/utils/conflict'

export function errorMessage(e: unknown): string {
  const { t, te } = i18n.global
  if (e instanceof ApiError) {
    if (e.code === 'NETWORK') return t('errors.network')
    if (e.conflict) return conflictMessage(e.conflict, t, e.code)
    const key = `errors.codes.${e.code}`
    if (te(key)) return t(key)
    if (e.status >= 500) return t('errors.server')
    return e.detail || t('errors.unknown', { status: e.status })
  }
  return t('errors.unexpected')
}

export function notifyError(e: unknown): void {
  notifyErrorText(errorMessage(e))
}

/** An error the screen words itself (what a refusal means there). */
export function notifyErrorText(message: string): void {
  ElMessage.error({ message, grouping: true, duration: 5000 })
}

export function notifySuccess(message: string): void {
  ElMessage.success({ message, grouping: true })
}

/** Asks before a destructive action; resolves false when the user declines. */
export async function confirmAction(message: string, title?: string, danger = true): Promise<boolean> {
  const { t } = i18n.global
  try {
    await ElMessageBox.confirm(message, title ?? t('common.confirmTitle'), {
      type: danger ? 'warning' : 'info',
      confirmButtonText: t('common.confirm'),
      cancelButtonText: t('common.cancel'),
      confirmButtonClass: danger ? 'el-button--danger' : undefined,
      autofocus: false,
    })
    return true
  } catch {
    return false
  }
}
