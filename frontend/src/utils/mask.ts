// The server masks identities in lists; a patient just registered here is shown masked the same way.
import type { DocumentType } from '@/api/types'
import { carriesBirthAndSex } from './document'

/** `110105********1234` for the ID card layout (region and last four kept), `E*****678` for the others. */
export function maskDocument(type: DocumentType, number: string): string {
  return carriesBirthAndSex(type) ? maskMiddle(number, 6, 4) : maskMiddle(number, 1, 3)
}

export function maskPhone(phone: string): string {
  return phone.length === 11 ? maskMiddle(phone, 3, 4) : phone
}

function maskMiddle(value: string, keepStart: number, keepEnd: number): string {
  if (value.length <= keepStart + keepEnd) return '*'.repeat(value.length)
  return value.slice(0, keepStart) + '*'.repeat(value.length - keepStart - keepEnd) + value.slice(-keepEnd)
}

/** `王*英`, `李*`: how the waiting-room board names a patient (the server's `mask_name`). */
export function maskName(name: string): string {
  const chars = [...name]
  if (chars.length <= 1) return name
  if (chars.length === 2) return `${chars[0]}*`
  return `${chars[0]}${'*'.repeat(chars.length - 2)}${chars[chars.length - 1]}`
}
