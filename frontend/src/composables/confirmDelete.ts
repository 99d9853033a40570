// Deleting a row of a table: ask first, then DELETE; the server answers DELETED, or DEACTIVATED when history
// still refers to the record (or, for records it never keeps, nothing: 204).
import { confirmAction, notifyError, notifySuccess } from './feedback'
import type { components } from '@/api/schema'
import { i18n } from '@/i18n'

type Removal = components['schemas']['Removal']

/** Asks `message`; on yes runs `remove`, tells what happened and calls `onDone`. Errors are shown, not thrown. */
export async function confirmDelete(
  message: string,
  remove: () => Promise<{ outcome: Removal } | void>,
  onDone: () => void,
): Promise<void> {
  if (!(await confirmAction(message))) return
  const { t } = i18n.global
  try {
    const r = await remove()
    notifySuccess(r?.outcome === 'DEACTIVATED' ? t('common.deactivated') : t('common.deleted'))
    onDone()
  } catch (e) {
    notifyError(e)
  }
}
