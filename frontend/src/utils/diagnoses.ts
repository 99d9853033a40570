// A medical record's coded diagnoses (from the hospital's diagnosis dictionary) as the doctor edits them:
// several may be chosen, each once, at most ten, exactly one of them primary (主要诊断) when there are any.
import type { DiagnosisChoice, RecordDiagnosis } from '@/api/types'

/** The server's limit of coded diagnoses on one record. */
export const MAX_DIAGNOSES = 10

/** A dictionary entry as a picker offers it. */
export interface DiagnosisEntry {
  id: number
  code: string
  name: string
}

/** "J06.9 急性上呼吸道感染". */
export function diagnosisLabel(d: { code: string; name: string }): string {
  return `${d.code} ${d.name}`
}

/** The primary first, the others in the order chosen. */
export function primaryFirst<T extends { primary: boolean }>(list: readonly T[]): T[] {
  return [...list.filter((d) => d.primary), ...list.filter((d) => !d.primary)]
}

/**
 * The list with `entry` added at the end: the first one chosen is the primary. An entry already there, or a
 * list that is full, is left as it was.
 */
export function addDiagnosis(list: readonly RecordDiagnosis[], entry: DiagnosisEntry): RecordDiagnosis[] {
  if (list.some((d) => d.diagnosis_id === entry.id) || list.length >= MAX_DIAGNOSES) return [...list]
  const primary = !list.some((d) => d.primary)
  return [...list, { diagnosis_id: entry.id, code: entry.code, name: entry.name, primary }]
}

/** The list without `id`; when that was the primary, the first one left becomes it. */
export function removeDiagnosis(list: readonly RecordDiagnosis[], id: number): RecordDiagnosis[] {
  const rest = list.filter((d) => d.diagnosis_id !== id)
  if (rest.length > 0 && !rest.some((d) => d.primary)) rest[0] = { ...rest[0]!, primary: true }
  return rest
}

/** The list with `id` as its only primary (unchanged when `id` is not in it). */
export function makePrimary(list: readonly RecordDiagnosis[], id: number): RecordDiagnosis[] {
  if (!list.some((d) => d.diagnosis_id === id)) return [...list]
  return list.map((d) => ({ ...d, primary: d.diagnosis_id === id }))
}

/** What the record's PUT takes, the primary first. */
export function diagnosisChoices(list: readonly RecordDiagnosis[]): DiagnosisChoice[] {
  return primaryFirst(list).map((d) => ({ diagnosis_id: d.diagnosis_id, primary: d.primary }))
}

/**
 * The diagnosis line of a slip: the coded diagnoses, primary first ("J06.9 急性上呼吸道感染；R50.9 发热"), then the
 * free text if any.
 */
export function diagnosisLine(diagnoses: readonly RecordDiagnosis[], text?: string | null): string {
  const parts = primaryFirst(diagnoses).map(diagnosisLabel)
  const free = text?.trim()
  if (free) parts.push(free)
  return parts.join('；')
}
