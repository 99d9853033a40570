// The registration fee (挂号费) of a visit: the catalogue item for the doctor's title.
import type { DoctorTitle } from '@/api/types'

/**
 * The catalogue item code charged for registering with a doctor of each title. Mirrors the backend's
 * `registration_item_code` (backend/src/domain/outpatient/billing.rs), which bills it: change both together.
 */
export const REGISTRATION_ITEM_CODE: Record<DoctorTitle, string> = {
  CHIEF: 'REG-CHIEF',
  ASSOCIATE_CHIEF: 'REG-ASSOC',
  ATTENDING: 'REG-ATTEND',
  RESIDENT: 'REG-RES',
}

/** The item with exactly this code from a catalogue search (which also matches codes that merely contain it). */
export function itemWithCode<T extends { item_code: string }>(items: T[], code: string): T | null {
  return items.find((i) => i.item_code === code) ?? null
}
