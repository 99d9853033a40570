// Routes, lazy-loaded per screen, and the guard that sends visitors to the login page and keeps each role
// to its screens.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { useAuthStore } from '@/stores/auth'
import { loadMessageSection } from '@/i18n'
import { canAccess, homeFor, safeRedirect, type ScreenName } from './access'

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean
    screen?: ScreenName
    /** i18n key of the page title */
    title?: string
  }
}

const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('@/views/LoginView.vue'),
    meta: { public: true, title: 'login.title' },
  },
  {
    // A wall display opened by a display link: no staff session, the link's token in the query.
    path: '/display',
    name: 'display',
    component: () => import('@/views/DisplayView.vue'),
    meta: { public: true, title: 'nav.board' },
  },
  {
    path: '/board',
    name: 'board',
    component: () => import('@/views/front/QueueBoardView.vue'),
    meta: { screen: 'board', title: 'nav.board' },
  },
  {
    path: '/',
    component: () => import('@/layouts/AppLayout.vue'),
    children: [
      // Replaced by the role's home screen in the guard below.
      { path: '', name: 'home', component: { render: () => null } },
      {
        path: 'patients',
        name: 'patients',
        component: () => import('@/views/front/PatientsView.vue'),
        meta: { screen: 'patients', title: 'nav.patients' },
      },
      {
        path: 'booking',
        name: 'booking',
        component: () => import('@/views/front/BookingView.vue'),
        meta: { screen: 'booking', title: 'nav.booking' },
      },
      {
        path: 'check-in',
        name: 'check-in',
        component: () => import('@/views/front/CheckInView.vue'),
        meta: { screen: 'check-in', title: 'nav.check-in' },
      },
      {
        path: 'cashier',
        name: 'cashier',
        component: () => import('@/views/cashier/CashierView.vue'),
        meta: { screen: 'cashier', title: 'nav.cashier' },
      },
      {
        path: 'cashier/receipts/:id(\\d+)',
        name: 'receipt',
        component: () => import('@/views/cashier/ReceiptView.vue'),
        props: (r) => ({ id: Number(r.params.id) }),
        meta: { screen: 'receipt', title: 'receipt.title' },
      },
      {
        path: 'cashier/settlements',
        name: 'settlements',
        component: () => import('@/views/cashier/SettlementView.vue'),
        meta: { screen: 'settlements', title: 'nav.settlements' },
      },
      {
        path: 'cashier/settlements/print',
        name: 'settlement-print',
        component: () => import('@/views/cashier/SettlementPrintView.vue'),
        meta: { screen: 'settlement-print', title: 'settlement.sheetTitle' },
      },
      {
        path: 'booking/slips/:id(\\d+)',
        name: 'registration-slip',
        component: () => import('@/views/front/RegistrationSlipView.vue'),
        props: (r) => ({ id: Number(r.params.id) }),
        meta: { screen: 'registration-slip', title: 'slip.title' },
      },
      {
        path: 'doctor',
        name: 'doctor',
        component: () => import('@/views/doctor/WorkstationView.vue'),
        meta: { screen: 'doctor', title: 'nav.doctor' },
      },
      {
        path: 'doctor/prescriptions/:id(\\d+)',
        name: 'prescription',
        component: () => import('@/views/doctor/PrescriptionView.vue'),
        props: (r) => ({ id: Number(r.params.id) }),
        meta: { screen: 'prescription', title: 'prescriptionSlip.title' },
      },
      {
        path: 'admin/departments',
        name: 'admin-departments',
        component: () => import('@/views/admin/DepartmentsView.vue'),
        meta: { screen: 'admin-departments', title: 'nav.admin-departments' },
      },
      {
        path: 'admin/doctors',
        name: 'admin-doctors',
        component: () => import('@/views/admin/DoctorsView.vue'),
        meta: { screen: 'admin-doctors', title: 'nav.admin-doctors' },
      },
      {
        path: 'admin/schedules',
        name: 'admin-schedules',
        component: () => import('@/views/admin/SchedulesView.vue'),
        meta: { screen: 'admin-schedules', title: 'nav.admin-schedules' },
      },
      {
        path: 'admin/catalogue',
        name: 'admin-catalogue',
        component: () => import('@/views/admin/CatalogueView.vue'),
        meta: { screen: 'admin-catalogue', title: 'nav.admin-catalogue' },
      },
      {
        path: 'admin/diagnoses',
        name: 'admin-diagnoses',
        component: () => import('@/views/admin/DiagnosesView.vue'),
        meta: { screen: 'admin-diagnoses', title: 'nav.admin-diagnoses' },
      },
      {
        path: 'admin/insurance-types',
        name: 'admin-insurance-types',
        component: () => import('@/views/admin/InsuranceTypesView.vue'),
        meta: { screen: 'admin-insurance-types', title: 'nav.admin-insurance-types' },
      },
      {
        path: 'admin/insurance-policies',
        name: 'admin-insurance-policies',
        component: () => import('@/views/admin/InsurancePoliciesView.vue'),
        meta: { screen: 'admin-insurance-policies', title: 'nav.admin-insurance-policies' },
      },
      {
        path: 'admin/display-links',
        name: 'admin-display-links',
        component: () => import('@/views/admin/DisplayLinksView.vue'),
        meta: { screen: 'admin-display-links', title: 'nav.admin-display-links' },
      },
      {
        path: 'admin/booking-rules',
        name: 'admin-booking-rules',
        component: () => import('@/views/admin/BookingRulesView.vue'),
        meta: { screen: 'admin-booking-rules', title: 'nav.admin-booking-rules' },
      },
      {
        path: 'admin/users',
        name: 'admin-users',
        component: () => import('@/views/admin/UsersView.vue'),
        meta: { screen: 'admin-users', title: 'nav.admin-users' },
      },
      {
        path: 'admin/audit-logs',
        name: 'admin-audit',
        component: () => import('@/views/admin/AuditLogView.vue'),
        meta: { screen: 'admin-audit', title: 'nav.admin-audit' },
      },
      {
        path: 'analytics',
        name: 'dashboard',
        component: () => import('@/views/analyst/DashboardView.vue'),
        meta: { screen: 'dashboard', title: 'nav.dashboard' },
      },
      {
        path: 'analytics/statistics',
        name: 'statistics',
        component: () => import('@/views/analyst/StatisticsView.vue'),
        meta: { screen: 'statistics', title: 'nav.statistics' },
      },
      {
        path: 'accounting/models',
        name: 'accounting-models',
        component: () => import('@/views/accounting/ModelsView.vue'),
        meta: { screen: 'accounting-models', title: 'nav.accounting-models' },
      },
      {
        path: 'accounting/models/:id(\\d+)',
        name: 'accounting-model',
        component: () => import('@/views/accounting/ModelView.vue'),
        props: (r) => ({ id: Number(r.params.id) }),
        meta: { screen: 'accounting-model', title: 'nav.accounting-model' },
      },
      {
        path: 'accounting/imports',
        name: 'accounting-imports',
        component: () => import('@/views/accounting/ImportsView.vue'),
        meta: { screen: 'accounting-imports', title: 'nav.accounting-imports' },
      },
      {
        path: 'accounting/tasks',
        name: 'accounting-tasks',
        component: () => import('@/views/accounting/TasksView.vue'),
        meta: { screen: 'accounting-tasks', title: 'nav.accounting-tasks' },
      },
      {
        path: 'accounting/tasks/:id(\\d+)',
        name: 'accounting-task',
        component: () => import('@/views/accounting/TaskView.vue'),
        props: (r) => ({ id: Number(r.params.id) }),
        meta: { screen: 'accounting-task', title: 'nav.accounting-task' },
      },
      {
        path: 'accounting/tasks/:id(\\d+)/results',
        name: 'accounting-results',
        component: () => import('@/views/accounting/ResultsView.vue'),
        props: (r) => ({ id: Number(r.params.id) }),
        meta: { screen: 'accounting-results', title: 'nav.accounting-results' },
      },
      {
        path: 'accounting/tasks/:id(\\d+)/value-summary',
        name: 'accounting-value-summary',
        component: () => import('@/views/accounting/ValueSummaryView.vue'),
        props: (r) => ({ id: Number(r.params.id) }),
        meta: { screen: 'accounting-value-summary', title: 'nav.accounting-value-summary' },
      },
      {
        path: 'accounting/tasks/:id(\\d+)/orientation',
        name: 'accounting-orientation',
        component: () => import('@/views/accounting/OrientationView.vue'),
        props: (r) => ({ id: Number(r.params.id) }),
        meta: { screen: 'accounting-orientation', title: 'nav.accounting-orientation' },
      },
      {
        // Two tasks' runs side by side: ?base=<task id>&other=<task id> (other alone: compared with its default).
        path: 'accounting/compare',
        name: 'accounting-compare',
        component: () => import('@/views/accounting/CompareView.vue'),
        meta: { screen: 'accounting-compare', title: 'nav.accounting-compare' },
      },
      {
        path: 'account/password',
        name: 'password',
        component: () => import('@/views/PasswordView.vue'),
        meta: { screen: 'password', title: 'password.title' },
      },
      {
        path: 'forbidden',
        name: 'forbidden',
        component: () => import('@/views/DeadEndView.vue'),
        props: { kind: 'forbidden' },
        meta: { title: 'forbidden.title' },
      },
      {
        path: ':pathMatch(.*)*',
        name: 'not-found',
        component: () => import('@/views/DeadEndView.vue'),
        props: { kind: 'notFound' },
        meta: { title: 'notFound.title' },
      },
    ],
  },
]

export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes,
})

let restoring: Promise<boolean> | null = null

router.beforeEach(async (to) => {
  const auth = useAuthStore()
  if (!auth.me) {
    // After a reload: resume the stored session once, however many navigations wait for it.
    restoring ??= auth.restore().finally(() => {
      restoring = null
    })
    await restoring
  }
  const role = auth.me?.role ?? null

  if (to.meta.public) {
    if (to.name === 'login' && role) return safeRedirect(to.query.redirect) ?? { name: homeFor(role) }
    return true
  }
  if (!role) return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } }
  if (auth.me?.password_expired && to.name !== 'password') return { name: 'password' }
  if (to.name === 'home') return { name: homeFor(role) }
  if (to.meta.screen && !canAccess(role, to.meta.screen)) {
    return { name: 'forbidden', query: { from: to.fullPath } }
  }
  if (to.meta.screen?.startsWith('accounting-') || to.meta.screen === 'admin-diagnoses') {
    // The screen's messages (the diagnoses' CSV import shares the upload dialog's), fetched with it; should
    // that fail, the screen still opens (with message keys).
    await loadMessageSection('accounting').catch(() => undefined)
  }
  return true
})
