// Calendar helpers. Dates are the hospital's local calendar dates, sent as "yyyy-mm-dd"; the browser is
// assumed to sit in the hospital's time zone.

export function pad2(n: number): string {
  return String(n).padStart(2, '0')
}

/** A Date's local calendar date as "yyyy-mm-dd". */
export function isoDate(d: Date): string {
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`
}

/** Parses "yyyy-mm-dd" as a local date at midnight. */
export function parseIsoDate(s: string): Date {
  const [y, m, d] = s.split('-').map(Number)
  return new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1)
}

export function addDays(date: string, days: number): string {
  const d = parseIsoDate(date)
  d.setDate(d.getDate() + days)
  return isoDate(d)
}

/** ISO weekday: Monday 1 … Sunday 7. */
export function isoWeekday(date: string): number {
  const day = parseIsoDate(date).getDay()
  return day === 0 ? 7 : day
}

/** The Monday of the week that holds `date`. */
export function mondayOf(date: string): string {
  return addDays(date, 1 - isoWeekday(date))
}

/** The seven dates of the week starting on `monday`. */
export function weekDates(monday: string): string[] {
  return Array.from({ length: 7 }, (_, i) => addDays(monday, i))
}

export function today(): string {
  return isoDate(new Date())
}

/** "2026-11-22T04:34:28Z" → "2026-11-22 12:34" (or "2026-11-22 12:34:28") in the browser's zone. */
export function formatDateTime(value: string | null | undefined, seconds = false): string {
  if (!value) return ''
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return value
  const time = `${pad2(d.getHours())}:${pad2(d.getMinutes())}${seconds ? `:${pad2(d.getSeconds())}` : ''}`
  return `${isoDate(d)} ${time}`
}

/**
 * Local calendar days from `from` to `to` (both included) as instants for an API that filters by time:
 * `from`'s midnight, inclusive, and the midnight after `to`, exclusive (RFC 3339, UTC).
 */
export function dayRangeInstants(from: string, to: string): { from: string; to: string } {
  return { from: parseIsoDate(from).toISOString(), to: parseIsoDate(addDays(to, 1)).toISOString() }
}

/** Age in whole years on `on` (default today) of someone born on `dob`. */
export function ageOn(dob: string, on: string = today()): number {
  const [by, bm, bd] = dob.split('-').map(Number)
  const [y, m, d] = on.split('-').map(Number)
  if (!by || !bm || !bd || !y || !m || !d) return 0
  let age = y - by
  if (m < bm || (m === bm && d < bd)) age -= 1
  return Math.max(age, 0)
}

/** The slot hours, local time: MORNING 08:00–12:00, AFTERNOON 13:30–17:30, EVENING 18:00–21:00. */
export const SLOT_HOURS = {
  MORNING: { start: '08:00', end: '12:00' },
  AFTERNOON: { start: '13:30', end: '17:30' },
  EVENING: { start: '18:00', end: '21:00' },
} as const

export type TimeSlotName = keyof typeof SLOT_HOURS

/** Whether the slot of `date` has ended at `now` (local time). */
export function slotEnded(date: string, slot: TimeSlotName, now: Date = new Date()): boolean {
  const [h, m] = SLOT_HOURS[slot].end.split(':').map(Number)
  const end = parseIsoDate(date)
  end.setHours(h ?? 0, m ?? 0, 0, 0)
  return now.getTime() >= end.getTime()
}
