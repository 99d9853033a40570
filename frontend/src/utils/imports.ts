// The import history's rows as the imports screen shows them: which kind of file (the screen's tab names it),
// and what came of it.
import type { ImportRecord } from '@/api/types'

/** The screen's kinds (tabs, upload endpoints), in the history's spelling. */
export const IMPORT_KINDS = {
  charges: 'CHARGES',
  workload: 'WORKLOAD',
  costs: 'COSTS',
  'orientation-values': 'ORIENTATION_VALUES',
} as const

export type ImportTab = keyof typeof IMPORT_KINDS
export type ImportKind = (typeof IMPORT_KINDS)[ImportTab]

/** The tab of a history row's kind, whose name the screen already has; null for a kind it does not know. */
export function tabOfKind(kind: string): ImportTab | null {
  const found = (Object.keys(IMPORT_KINDS) as ImportTab[]).find((tab) => IMPORT_KINDS[tab] === kind)
  return found ?? null
}

export type ImportOutcome =
  | { kind: 'accepted'; inserted: number; unchanged: number }
  | { kind: 'refused'; errors: number }

/** Imported (with what it added and skipped or replaced), or refused whole (with its error count). */
export function importOutcome(record: Pick<ImportRecord, 'accepted' | 'inserted' | 'unchanged_or_updated' | 'errors'>): ImportOutcome {
  if (!record.accepted) return { kind: 'refused', errors: record.errors ?? 0 }
  return { kind: 'accepted', inserted: record.inserted ?? 0, unchanged: record.unchanged_or_updated ?? 0 }
}

/** The calculations an import's answer says it queued (none when the hospital does not queue them). */
export function queuedTasks(result: unknown): number[] {
  const queued = (result as { queued_tasks?: unknown } | null)?.queued_tasks
  return Array.isArray(queued) ? queued.filter((id): id is number => Number.isInteger(id)) : []
}
