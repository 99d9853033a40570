import { describe, expect, it } from 'vitest'
import { canAccess, homeFor, menuFor, menuItemOf, safeRedirect } from './access'

describe('screens by role', () => {
  it('never shows administration to the front desk', () => {
    const items = menuFor('FRONT_DESK').flatMap((g) => g.items)
    expect(items.filter((s) => s.startsWith('admin-'))).toEqual([])
    expect(items).toEqual(expect.arrayContaining(['check-in', 'booking', 'patients', 'cashier', 'board']))
    expect(canAccess('FRONT_DESK', 'admin-users')).toBe(false)
    expect(canAccess('FRONT_DESK', 'admin-schedules')).toBe(false)
  })

  it('gives each role its own screens', () => {
    expect(menuFor('DOCTOR').flatMap((g) => g.items)).toEqual(['board', 'doctor'])
    expect(menuFor('ANALYST').flatMap((g) => g.items)).toEqual([
      'board',
      'dashboard',
      'statistics',
      'accounting-models',
      'accounting-imports',
      'accounting-tasks',
      'accounting-compare',
    ])
    expect(menuFor('ADMIN').map((g) => g.key)).toEqual(['front', 'admin', 'analytics', 'accounting'])
    expect(menuFor('ADMIN').flatMap((g) => g.items)).toEqual(expect.arrayContaining(['admin-audit', 'dashboard']))
    expect(canAccess('ADMIN', 'doctor')).toBe(false) // the workstation needs a doctor profile
    expect(canAccess(null, 'patients')).toBe(false)
    expect(menuFor(null)).toEqual([])
  })

  it('keeps the audit log to administrators and statistics to analysts and administrators', () => {
    expect(canAccess('ANALYST', 'admin-audit')).toBe(false)
    expect(canAccess('ADMIN', 'admin-insurance-policies')).toBe(true)
    expect(canAccess('FRONT_DESK', 'admin-insurance-policies')).toBe(false)
    expect(canAccess('FRONT_DESK', 'statistics')).toBe(false)
    expect(canAccess('DOCTOR', 'dashboard')).toBe(false)
    expect(canAccess('ANALYST', 'statistics')).toBe(true)
  })

  it('keeps accounting to analysts and administrators, with the pages of a task under the tasks menu item', () => {
    for (const screen of [
      'accounting-tasks',
      'accounting-task',
      'accounting-results',
      'accounting-value-summary',
      'accounting-orientation',
    ] as const) {
      expect(canAccess('ANALYST', screen)).toBe(true)
      expect(canAccess('ADMIN', screen)).toBe(true)
      expect(canAccess('FRONT_DESK', screen)).toBe(false)
      expect(canAccess('DOCTOR', screen)).toBe(false)
      expect(menuItemOf(screen)).toBe('accounting-tasks')
    }
    expect(menuItemOf('accounting-model')).toBe('accounting-models')
    expect(menuItemOf('accounting-compare')).toBe('accounting-compare')
    expect(canAccess('ANALYST', 'accounting-compare')).toBe(true)
    expect(canAccess('FRONT_DESK', 'accounting-compare')).toBe(false)
    expect(canAccess('FRONT_DESK', 'accounting-models')).toBe(false)
    expect(canAccess('DOCTOR', 'accounting-imports')).toBe(false)
    expect(menuItemOf('receipt')).toBe('cashier')
    expect(menuItemOf('statistics')).toBe('statistics')
  })

  it("keeps the cashier's day and the registration slip to the front office", () => {
    for (const screen of ['settlements', 'settlement-print', 'registration-slip'] as const) {
      expect(canAccess('ADMIN', screen)).toBe(true)
      expect(canAccess('FRONT_DESK', screen)).toBe(true)
      expect(canAccess('DOCTOR', screen)).toBe(false)
      expect(canAccess('ANALYST', screen)).toBe(false)
    }
    const front = menuFor('FRONT_DESK').find((g) => g.key === 'front')?.items ?? []
    expect(front.indexOf('settlements')).toBe(front.indexOf('cashier') + 1)
    expect(menuItemOf('settlement-print')).toBe('settlements')
    expect(menuItemOf('registration-slip')).toBe('booking')
  })

  it('lists the insurance types, then the insurance policies, next to the catalogue', () => {
    const admin = menuFor('ADMIN').find((g) => g.key === 'admin')?.items ?? []
    expect(admin.indexOf('admin-insurance-types')).toBe(admin.indexOf('admin-catalogue') + 1)
    expect(admin.indexOf('admin-insurance-policies')).toBe(admin.indexOf('admin-insurance-types') + 1)
  })

  it('keeps the display links and the booking rules to the administrator, the booking rules by the schedules', () => {
    const admin = menuFor('ADMIN').find((g) => g.key === 'admin')?.items ?? []
    expect(admin.indexOf('admin-booking-rules')).toBe(admin.indexOf('admin-schedules') + 1)
    expect(admin).toContain('admin-display-links')
    for (const role of ['FRONT_DESK', 'DOCTOR', 'ANALYST'] as const) {
      expect(canAccess(role, 'admin-display-links')).toBe(false)
      expect(canAccess(role, 'admin-booking-rules')).toBe(false)
    }
  })

  it('keeps the insurance types to the administrator', () => {
    expect(canAccess('ADMIN', 'admin-insurance-types')).toBe(true)
    for (const role of ['FRONT_DESK', 'DOCTOR', 'ANALYST'] as const) {
      expect(canAccess(role, 'admin-insurance-types')).toBe(false)
    }
  })

  it('keeps the diagnosis dictionary to the administrator, in the menu beside the catalogue', () => {
    expect(canAccess('ADMIN', 'admin-diagnoses')).toBe(true)
    for (const role of ['FRONT_DESK', 'DOCTOR', 'ANALYST'] as const) expect(canAccess(role, 'admin-diagnoses')).toBe(false)
    const admin = menuFor('ADMIN').find((g) => g.key === 'admin')?.items ?? []
    expect(admin.indexOf('admin-diagnoses')).toBe(admin.indexOf('admin-insurance-policies') + 1)
  })

  it('hides a menu group that has no screens yet', () => {
    for (const role of ['ADMIN', 'ANALYST'] as const) {
      expect(menuFor(role).every((g) => g.items.length > 0)).toBe(true)
    }
  })

  it('sends each role home', () => {
    expect(homeFor('FRONT_DESK')).toBe('check-in')
    expect(homeFor('DOCTOR')).toBe('doctor')
    expect(homeFor('ANALYST')).toBe('dashboard')
    expect(homeFor('ADMIN')).toBe('dashboard')
  })

  it('redirects only within the app after signing in', () => {
    expect(safeRedirect('/cashier?tab=toPay')).toBe('/cashier?tab=toPay')
    expect(safeRedirect('//evil.example')).toBeNull()
    expect(safeRedirect('https://evil.example')).toBeNull()
    expect(safeRedirect('/login')).toBeNull()
    expect(safeRedirect(['/x'])).toBeNull()
  })
})
