// Short names for the generated schema types (src/api/schema.d.ts, from openapi/openapi.json).
import type { components } from './schema'

type S = components['schemas']

export type AccountingPeriod = S['AccountingPeriod']
export type Appointment = S['Appointment']
export type AuditEntry = S['AuditEntry']
export type AppointmentStatus = S['AppointmentStatus']
export type BoardPatient = S['BoardPatient']
export type BoardRoom = S['BoardRoom']
export type BookingRules = S['BookingRules']
export type BusinessType = S['BusinessType']
export type BenchmarkMethod = S['BenchmarkMethod']
export type BusinessTypeScope = S['BusinessTypeScope']
export type CalculationTask = S['CalculationTask']
export type Bill = S['Bill']
export type BillLine = S['BillLine']
export type BillPreview = S['BillPreview']
export type BillingStatus = S['BillingStatus']
export type CategoryRatio = S['CategoryRatio']
export type ComparedCell = S['ComparedCell']
export type ComparedDepartment = S['ComparedDepartment']
export type ComparedNode = S['ComparedNode']
export type ComparedTotals = S['ComparedTotals']
export type Conflict = S['Conflict']
export type ChainReport = S['ChainReport']
export type ChargeItem = S['ChargeItem']
export type ChargeItemRequest = S['ChargeItemRequest']
export type Department = S['Department']
export type DepartmentRequest = S['DepartmentRequest']
export type Doctor = S['Doctor']
export type DoctorRequest = S['DoctorRequest']
export type DoctorTitle = S['DoctorTitle']
export type DailySettlement = S['DailySettlement']
export type DeptField = S['DeptField']
export type Diagnosis = S['Diagnosis']
export type DiagnosisChoice = S['DiagnosisChoice']
export type DiagnosisImportResult = S['DiagnosisImportResult']
export type DiagnosisRequest = S['DiagnosisRequest']
export type DimensionNode = S['DimensionNode']
export type DisplayLink = S['DisplayLink']
export type DisplayLinkRequest = S['DisplayLinkRequest']
export type DocumentType = S['DocumentType']
export type DrillDown = S['DrillDown']
export type DrillItem = S['DrillItem']
export type FieldError = S['FieldError']
export type Gender = S['Gender']
export type Granularity = S['Granularity']
export type Guardian = S['Guardian']
export type GuardianRelation = S['GuardianRelation']
export type ImportResult = S['ImportResult']
export type InsurancePolicy = S['InsurancePolicy']
export type InsurancePolicyRequest = S['InsurancePolicyRequest']
export type InsuranceRule = S['InsuranceRule']
export type InsuranceType = S['InsuranceType']
export type InsuranceTypeEntry = S['InsuranceTypeEntry']
export type InsuranceTypeRequest = S['InsuranceTypeRequest']
export type ItemMapping = S['ItemMapping']
export type ItemCategory = S['ItemCategory']
export type Me = S['Me']
export type MatrixDepartment = S['MatrixDepartment']
export type MatrixNode = S['MatrixNodeView']
export type LadderBand = S['LadderBand']
export type MedicalRecord = S['MedicalRecord']
export type ModelDifference = S['ModelDifference']
export type ModelVersion = S['ModelVersion']
export type NodePatchRequest = S['NodePatchRequest']
export type NodeRequest = S['NodeRequest']
export type NodeKind = S['NodeKind']
export type OrientationAdjustment = S['OrientationAdjustment']
export type OrientationAdjustments = S['OrientationAdjustments']
export type OrientationRule = S['OrientationRule']
export type OrientationRuleRequest = S['OrientationRuleRequest']
export type OutpatientRow = S['OutpatientRow']
export type OutpatientStatistics = S['OutpatientStatistics']
export type OutpatientTotals = S['OutpatientTotals']
export type Patient = S['Patient']
export type PatientRequest = S['PatientRequest']
export type PatientSummary = S['PatientSummary']
export type PaymentMethod = S['PaymentMethod']
export type PeriodAction = S['PeriodAction']
export type PeriodEvent = S['PeriodEvent']
export type PeriodStatus = S['PeriodStatus']
export type PrescriptionItem = S['PrescriptionItem']
export type Problem = S['Problem']
export type QueueBoard = S['QueueBoard']
export type QueueEntry = S['QueueEntry']
export type RecordDiagnosis = S['RecordDiagnosis']
export type ResultCell = S['ResultCell']
export type ResultsMatrix = S['ResultsMatrix']
export type Role = S['Role']
export type RowProblem = S['RowProblem']
export type RunComparison = S['RunComparison']
export type Schedule = S['Schedule']
export type Series = S['Series']
export type SettlementFigures = S['SettlementFigures']
export type StepKind = S['StepKind']
export type TaskStatus = S['TaskStatus']
export type ScheduleStatus = S['ScheduleStatus']
export type TemplateLineRequest = S['TemplateLineRequest']
export type TimeSlot = S['TimeSlot']
export type TokenResponse = S['TokenResponse']
export type User = S['User']
export type ValueSummary = S['ValueSummary']
export type ValueSummaryRow = S['ValueSummaryRow']
export type WaitlistEntry = S['WaitlistEntry']
export type WaitlistStatus = S['WaitlistStatus']
export type Workflow = S['Workflow']
export type WorkflowStep = S['WorkflowStep']

export const GRANULARITIES: Granularity[] = ['day', 'week', 'month']
export const AUDIT_OUTCOMES = ['SUCCESS', 'FAILURE', 'DENIED'] as const
export const ROLES: Role[] = ['ADMIN', 'FRONT_DESK', 'DOCTOR', 'ANALYST']
export const TIME_SLOTS: TimeSlot[] = ['MORNING', 'AFTERNOON', 'EVENING']
export const DOCTOR_TITLES: DoctorTitle[] = ['CHIEF', 'ASSOCIATE_CHIEF', 'ATTENDING', 'RESIDENT']
export const GENDERS: Gender[] = ['MALE', 'FEMALE']
export const DOCUMENT_TYPES: DocumentType[] = [
  'ID_CARD',
  'PASSPORT',
  'HK_MACAO_PERMIT',
  'TAIWAN_PERMIT',
  'RESIDENCE_PERMIT',
  'PERMANENT_RESIDENCE',
  'NONE_YET',
]
export const GUARDIAN_RELATIONS: GuardianRelation[] = [
  'PARENT',
  'SPOUSE',
  'CHILD',
  'SIBLING',
  'GRANDPARENT',
  'RELATIVE',
  'OTHER',
]
export const PAYMENT_METHODS: PaymentMethod[] = ['CASH', 'CARD', 'WECHAT', 'ALIPAY', 'INSURANCE_CARD']
export const ITEM_CATEGORIES: ItemCategory[] = [
  'REGISTRATION',
  'CONSULTATION',
  'DRUG',
  'LAB',
  'IMAGING',
  'EXAM',
  'TREATMENT',
  'SURGERY',
  'NURSING',
  'MATERIAL',
  'OTHER',
]
export const TASK_STATUSES: TaskStatus[] = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED']
export const PERIOD_STATUSES: PeriodStatus[] = ['DRAFT', 'REVIEWED', 'PUBLISHED', 'LOCKED']
export const PERIOD_ACTIONS: PeriodAction[] = ['REVIEW', 'PUBLISH', 'LOCK', 'REOPEN']
export const BUSINESS_TYPES: BusinessType[] = ['OUTPATIENT', 'INPATIENT']
export const SERIES: Series[] = ['DOCTOR', 'TECH', 'NURSING', 'COST']
export const DEPT_FIELDS: DeptField[] = ['PRESCRIBING', 'EXECUTING', 'NONE']
export const BENCHMARK_METHODS: BenchmarkMethod[] = [
  'FIXED',
  'HISTORY_AVERAGE',
  'HISTORY_MEDIAN',
  'HISTORY_MAX',
  'HISTORY_MIN',
  'HOSPITAL_AVERAGE',
]
export const BUSINESS_TYPE_SCOPES: BusinessTypeScope[] = ['ALL', 'OUTPATIENT', 'INPATIENT']
export type Frequency = S['Frequency']
export type Packing = S['Packing']
export type Route = S['Route']
export type UsageRequest = S['UsageRequest']
export type UsageView = S['UsageView']
