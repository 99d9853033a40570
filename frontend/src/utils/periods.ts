// A period's life (核算期间) as the task screens offer it: DRAFT → REVIEWED → PUBLISHED → LOCKED, and reopened
// to DRAFT with a reason. The server's rules (backend/src/domain/accounting/period_close.rs) mirrored, so a
// screen offers only the steps the server would take from the signed-in role; the server still decides.
import type { CalculationTask, PeriodAction, PeriodStatus, Role } from '@/api/types'
import { PERIOD_ACTIONS } from '@/api/types'
import { isActive } from './accounting'

/** The longest reason or note kept with a transition, in characters (as the server counts them). */
export const MAX_REASON_CHARS = 500

/** Where `action` moves a period that is `from`, or null when that state does not allow it. */
export function nextStatus(from: PeriodStatus, action: PeriodAction): PeriodStatus | null {
  switch (action) {
    case 'REVIEW':
      return from === 'DRAFT' ? 'REVIEWED' : null
    case 'PUBLISH':
      return from === 'REVIEWED' ? 'PUBLISHED' : null
    case 'LOCK':
      return from === 'PUBLISHED' ? 'LOCKED' : null
    case 'REOPEN':
      return from === 'DRAFT' ? null : 'DRAFT'
  }
}

/**
 * Whether `role` may take `action` on a period that is `from`: an analyst reviews and takes a review back, an
 * administrator does everything, the front desk and doctors nothing.
 */
export function mayTake(role: Role | null | undefined, from: PeriodStatus, action: PeriodAction): boolean {
  switch (role) {
    case 'ADMIN':
      return true
    case 'ANALYST':
      return action === 'REVIEW' || (action === 'REOPEN' && from === 'REVIEWED')
    default:
      return false
  }
}

/** The steps `role` may take on a period that is `status`, in the order of the period's life. */
export function periodActions(role: Role | null | undefined, status: PeriodStatus): PeriodAction[] {
  return PERIOD_ACTIONS.filter((a) => nextStatus(status, a) !== null && mayTake(role, status, a))
}

export type ReasonProblem = 'required' | 'tooLong'

/** What is wrong with a transition's reason (trimmed): required to reopen, at most 500 characters. */
export function reasonProblem(action: PeriodAction, text: string | null | undefined): ReasonProblem | null {
  const reason = (text ?? '').trim()
  if (reason === '') return action === 'REOPEN' ? 'required' : null
  // Characters as the server counts them: code points, not UTF-16 units.
  return [...reason].length > MAX_REASON_CHARS ? 'tooLong' : null
}

/** Whether the month `period` ("2026-10") is over on the local day `today` ("2026-11-01"). */
export function periodOver(period: string, today: string): boolean {
  return period < today.slice(0, 7)
}

/** Why a task's run cannot be reviewed yet. */
export type ReviewBlock = 'noRun' | 'running' | 'notOver'

/**
 * Why the period cannot be reviewed on this task's run now, or null when it can (as far as the screen
 * knows: another calculation of the period may still be running, which the server answers PERIOD_BUSY).
 */
export function reviewBlock(
  task: Pick<CalculationTask, 'period' | 'status' | 'run_no'>,
  today: string,
): ReviewBlock | null {
  if (task.run_no === 0) return 'noRun'
  if (isActive(task)) return 'running'
  if (!periodOver(task.period, today)) return 'notOver'
  return null
}

/** Whether a task's period takes calculations (a closed one refuses a run with PERIOD_CLOSED). */
export function periodOpen(task: Pick<CalculationTask, 'period_status'>): boolean {
  return task.period_status === 'DRAFT'
}
