// Which role reaches which screen. The server enforces the same on every endpoint; this only decides what
// the SPA shows.
import type { Role } from '@/api/types'

export type ScreenName =
  | 'patients'
  | 'booking'
  | 'check-in'
  | 'cashier'
  | 'receipt'
  | 'settlements'
  | 'settlement-print'
  | 'registration-slip'
  | 'board'
  | 'doctor'
  | 'prescription'
  | 'admin-departments'
  | 'admin-doctors'
  | 'admin-schedules'
  | 'admin-catalogue'
  | 'admin-diagnoses'
  | 'admin-insurance-types'
  | 'admin-insurance-policies'
  | 'admin-users'
  | 'admin-audit'
  | 'admin-display-links'
  | 'admin-booking-rules'
  | 'dashboard'
  | 'statistics'
  | 'accounting-models'
  | 'accounting-model'
  | 'accounting-imports'
  | 'accounting-tasks'
  | 'accounting-task'
  | 'accounting-results'
  | 'accounting-value-summary'
  | 'accounting-orientation'
  | 'accounting-compare'
  | 'password'

const FRONT_OFFICE: Role[] = ['ADMIN', 'FRONT_DESK']
const ADMIN: Role[] = ['ADMIN']
const ANALYTICS: Role[] = ['ADMIN', 'ANALYST']
const EVERYONE: Role[] = ['ADMIN', 'FRONT_DESK', 'DOCTOR', 'ANALYST']

export const SCREEN_ROLES: Record<ScreenName, Role[]> = {
  patients: FRONT_OFFICE,
  booking: FRONT_OFFICE,
  'check-in': FRONT_OFFICE,
  cashier: FRONT_OFFICE,
  receipt: FRONT_OFFICE,
  settlements: FRONT_OFFICE,
  'settlement-print': FRONT_OFFICE,
  'registration-slip': FRONT_OFFICE,
  board: EVERYONE,
  doctor: ['DOCTOR'],
  prescription: ['DOCTOR'],
  'admin-departments': ADMIN,
  'admin-doctors': ADMIN,
  'admin-schedules': ADMIN,
  'admin-catalogue': ADMIN,
  'admin-diagnoses': ADMIN,
  'admin-insurance-types': ADMIN,
  'admin-insurance-policies': ADMIN,
  'admin-users': ADMIN,
  'admin-audit': ADMIN,
  'admin-display-links': ADMIN,
  'admin-booking-rules': ADMIN,
  dashboard: ANALYTICS,
  statistics: ANALYTICS,
  'accounting-models': ANALYTICS,
  'accounting-model': ANALYTICS,
  'accounting-imports': ANALYTICS,
  'accounting-tasks': ANALYTICS,
  'accounting-task': ANALYTICS,
  'accounting-results': ANALYTICS,
  'accounting-value-summary': ANALYTICS,
  'accounting-orientation': ANALYTICS,
  'accounting-compare': ANALYTICS,
  password: EVERYONE,
}

/** Screens reached from another one, not from the menu: the menu item they belong under. */
const MENU_PARENT: Partial<Record<ScreenName, ScreenName>> = {
  receipt: 'cashier',
  'settlement-print': 'settlements',
  'registration-slip': 'booking',
  prescription: 'doctor',
  'accounting-model': 'accounting-models',
  'accounting-task': 'accounting-tasks',
  'accounting-results': 'accounting-tasks',
  'accounting-value-summary': 'accounting-tasks',
  'accounting-orientation': 'accounting-tasks',
}

/** The menu item to highlight on a screen. */
export function menuItemOf(screen: ScreenName): ScreenName {
  return MENU_PARENT[screen] ?? screen
}

export function canAccess(role: Role | null | undefined, screen: ScreenName): boolean {
  return !!role && SCREEN_ROLES[screen].includes(role)
}

/** Where a role lands after signing in. */
export function homeFor(role: Role): ScreenName {
  switch (role) {
    case 'FRONT_DESK':
      return 'check-in'
    case 'DOCTOR':
      return 'doctor'
    case 'ANALYST':
    case 'ADMIN':
      return 'dashboard'
  }
}

export interface MenuGroup {
  key: 'front' | 'doctor' | 'admin' | 'analytics' | 'accounting'
  items: ScreenName[]
}

const MENU: MenuGroup[] = [
  { key: 'front', items: ['check-in', 'booking', 'patients', 'cashier', 'settlements', 'board'] },
  { key: 'doctor', items: ['doctor'] },
  {
    key: 'admin',
    items: [
      'admin-schedules',
      'admin-booking-rules',
      'admin-departments',
      'admin-doctors',
      'admin-catalogue',
      'admin-insurance-types',
      'admin-insurance-policies',
      'admin-diagnoses',
      'admin-display-links',
      'admin-users',
      'admin-audit',
    ],
  },
  { key: 'analytics', items: ['dashboard', 'statistics'] },
  // Department value accounting: a model's tree, mappings and rules, and a task's results, value summary and
  // orientation are reached from the model or the task; two tasks' runs compared from a task, or from here.
  { key: 'accounting', items: ['accounting-models', 'accounting-imports', 'accounting-tasks', 'accounting-compare'] },
]

/** The menu a role sees: only groups with at least one screen it may open. */
export function menuFor(role: Role | null | undefined): MenuGroup[] {
  if (!role) return []
  return MENU.map((g) => ({ key: g.key, items: g.items.filter((s) => canAccess(role, s)) })).filter(
    (g) => g.items.length > 0,
  )
}

/** A redirect target from the login page's query, only within this app. */
export function safeRedirect(value: unknown): string | null {
  if (typeof value !== 'string') return null
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/login')) return null
  return value
}
