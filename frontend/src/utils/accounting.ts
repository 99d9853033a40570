// Shaping of the accounting results for the screens: the results matrix pivoted into a lookup map, the
// dimension tree's visible columns under collapsed parents, the totals row, figures as text, the task's
// step log, and the value summary's chart series. Pure functions over the API's types: every figure is a
// decimal string and is summed in integer ten-thousandths, never in binary floating point.
import type {
  BusinessType,
  CalculationTask,
  MatrixDepartment,
  MatrixNode,
  ResultCell,
  Series,
  StepKind,
  ValueSummaryRow,
  WorkflowStep,
} from '@/api/types'
import { BUSINESS_TYPES } from '@/api/types'
import { fromUnits, toUnits } from './money'
import { formatDecimal } from './numbers'

/** What a matrix cell shows. */
export type Metric = 'value' | 'amount' | 'quantity' | 'weight' | 'ratio'
export const METRICS: Metric[] = ['value', 'amount', 'quantity', 'weight', 'ratio']

const SCALE = 10_000n

/** The lookup key of one cell: department, node and business type (none for a node's total). */
export function cellKey(departmentId: number, nodeId: number, businessType: BusinessType | null | undefined): string {
  return `${departmentId}:${nodeId}:${businessType ?? ''}`
}

export interface Pivot {
  /** Every cell by `cellKey`. */
  cells: Map<string, ResultCell>
  /** The business types each node's cells are broken down by, in the order OUTPATIENT, INPATIENT. */
  breakdown: Map<number, BusinessType[]>
}

/** One pass over the cells: the matrix then reads any cell in constant time. */
export function pivot(cells: readonly ResultCell[]): Pivot {
  const map = new Map<string, ResultCell>()
  const seen = new Map<number, Set<BusinessType>>()
  for (const c of cells) {
    map.set(cellKey(c.department_id, c.node_id, c.business_type), c)
    if (c.business_type) {
      let types = seen.get(c.node_id)
      if (!types) seen.set(c.node_id, (types = new Set()))
      types.add(c.business_type)
    }
  }
  const breakdown = new Map<number, BusinessType[]>()
  for (const [node, types] of seen) breakdown.set(node, BUSINESS_TYPES.filter((b) => types.has(b)))
  return { cells: map, breakdown }
}

/** The parents, deeper than `depth`, that start collapsed: the first levels show, the detail waits for a click. */
export function initiallyCollapsed(nodes: readonly MatrixNode[], depth = 1): Set<number> {
  return new Set(nodes.filter((n) => !n.is_leaf && n.depth >= depth).map((n) => n.id))
}

/** Every parent (for "collapse all"). */
export function parentIds(nodes: readonly MatrixNode[]): Set<number> {
  return new Set(nodes.filter((n) => !n.is_leaf).map((n) => n.id))
}

/**
 * The nodes that show as columns: all but those under a collapsed parent. The API lists the tree in display
 * order with each parent before its children, so one pass decides.
 */
export function visibleNodes(nodes: readonly MatrixNode[], collapsed: ReadonlySet<number>): MatrixNode[] {
  const hidden = new Set<number>()
  const out: MatrixNode[] = []
  for (const n of nodes) {
    if (n.parent_id != null && (hidden.has(n.parent_id) || collapsed.has(n.parent_id))) {
      hidden.add(n.id)
      continue
    }
    out.push(n)
  }
  return out
}

export interface MatrixColumn {
  key: string
  node: MatrixNode
  /** null: the node's total; else that business type's part of it. */
  businessType: BusinessType | null
}

export function columnKey(nodeId: number, businessType: BusinessType | null): string {
  return `${nodeId}:${businessType ?? ''}`
}

/** The columns of the visible nodes; with the breakdown on, each split node is followed by its parts. */
export function matrixColumns(
  visible: readonly MatrixNode[],
  breakdown: ReadonlyMap<number, readonly BusinessType[]>,
  showBreakdown: boolean,
): MatrixColumn[] {
  const out: MatrixColumn[] = []
  for (const node of visible) {
    out.push({ key: columnKey(node.id, null), node, businessType: null })
    if (!showBreakdown) continue
    for (const bt of breakdown.get(node.id) ?? []) out.push({ key: columnKey(node.id, bt), node, businessType: bt })
  }
  return out
}

/** A cell to drill into: a department's (or, null, the whole hospital's) figure of one column. */
export interface DrillTarget {
  department: MatrixDepartment | null
  column: MatrixColumn
}

export interface SeriesGroup {
  series: Series
  /** Index of the group's first column. */
  start: number
  count: number
}

/** Runs of consecutive columns of one series, for the header's first row. */
export function seriesGroups(columns: readonly MatrixColumn[]): SeriesGroup[] {
  const groups: SeriesGroup[] = []
  columns.forEach((c, i) => {
    const last = groups[groups.length - 1]
    if (last && last.series === c.node.series) last.count += 1
    else groups.push({ series: c.node.series, start: i, count: 1 })
  })
  return groups
}

/** a ÷ b to four places, half away from zero (as the server rounds); null when b is 0. */
export function divideUnits(a: bigint, b: bigint): string | null {
  if (b === 0n) return null
  const negative = a < 0n !== b < 0n && a !== 0n
  const num = (a < 0n ? -a : a) * SCALE
  const den = b < 0n ? -b : b
  const q = (num * 2n + den) / (den * 2n)
  return fromUnits(negative ? -q : q)
}

/**
 * The totals row: per column, the sum over departments of amount, quantity or value. A weight has no
 * total; a node's ratio is its hospital-wide value ÷ that of it and its siblings (1 for a root), as the
 * server computes it per department.
 */
export function columnTotals(
  nodes: readonly MatrixNode[],
  cells: readonly ResultCell[],
  metric: Metric,
): Map<string, string | null> {
  const out = new Map<string, string | null>()
  if (metric === 'weight') return out
  const field = metric === 'ratio' ? 'value' : metric
  const sums = new Map<string, bigint>()
  for (const c of cells) {
    const units = toUnits(c[field])
    if (units === null) continue
    const key = columnKey(c.node_id, c.business_type ?? null)
    sums.set(key, (sums.get(key) ?? 0n) + units)
  }
  if (metric !== 'ratio') {
    for (const [key, units] of sums) out.set(key, fromUnits(units))
    return out
  }
  const siblings = new Map<number | null, bigint>()
  for (const n of nodes) {
    const v = sums.get(columnKey(n.id, null)) ?? 0n
    siblings.set(n.parent_id ?? null, (siblings.get(n.parent_id ?? null) ?? 0n) + v)
  }
  for (const n of nodes) {
    const key = columnKey(n.id, null)
    out.set(key, n.parent_id == null ? '1.0000' : divideUnits(sums.get(key) ?? 0n, siblings.get(n.parent_id) ?? 0n))
  }
  return out
}

/**
 * The hospital's own share in the value summary's totals row: its net ÷ |its net| (as each department's share
 * is net ÷ |the hospital's net|), so 100 % when the total is positive, −100 % when it is negative, and nothing
 * when it is 0.
 */
export function totalShare(netValues: ReadonlyArray<string | null | undefined>): string | null {
  const total = netValues.reduce<bigint>((acc, v) => acc + (toUnits(v) ?? 0n), 0n)
  return divideUnits(total, total < 0n ? -total : total)
}

/** "0.2924" → "29.24%". */
export function formatPercent(value: string | null | undefined): string {
  const units = toUnits(value)
  if (units === null) return ''
  return `${formatDecimal(fromUnits(units * 100n), 2, 2)}%`
}

/** A cell's figure as the matrix shows it: money to cents, quantities as counted, weights, ratios in %. */
export function formatFigure(value: string | null | undefined, metric: Metric): string {
  if (value === null || value === undefined) return ''
  switch (metric) {
    case 'amount':
    case 'value':
      return formatDecimal(value, 2, 2)
    case 'quantity':
      return formatDecimal(value, 0, 4)
    case 'weight':
      return formatDecimal(value, 2, 4)
    case 'ratio':
      return formatPercent(value)
  }
}

/**
 * The departments ordered by one column's figure (the metric shown), largest first or last; departments
 * without a figure there go last either way, and ties keep their order.
 */
export function sortDepartments<D extends MatrixDepartment>(
  departments: readonly D[],
  cells: ReadonlyMap<string, ResultCell>,
  column: Pick<MatrixColumn, 'node' | 'businessType'>,
  metric: Metric,
  descending: boolean,
): D[] {
  const keyed = departments.map((d, i) => {
    const cell = cells.get(cellKey(d.id, column.node.id, column.businessType))
    return { d, i, units: toUnits(cell?.[metric]) }
  })
  keyed.sort((a, b) => {
    if (a.units === null || b.units === null) return a.units === b.units ? a.i - b.i : a.units === null ? 1 : -1
    if (a.units === b.units) return a.i - b.i
    const up = a.units < b.units ? -1 : 1
    return descending ? -up : up
  })
  return keyed.map((k) => k.d)
}

/** A figure of a cell, or undefined when the department has no cell there. */
export function cellFigure(cell: ResultCell | undefined, metric: Metric): string | null | undefined {
  return cell ? cell[metric] : undefined
}

export type StepStatus = 'wait' | 'process' | 'finish' | 'error'

export interface StepState {
  order: number
  kind: StepKind
  name: string
  status: StepStatus
  /** How long the step took, when the log says. */
  ms: number | null
}

const STEP_LINE = /\[(\d+)\/\d+\]\s+([A-Z_]+)\s+(started|done in (\d+)\s*ms)/

/**
 * Where each step of the workflow stands, read from the task's log ("[2/5] GENERATE_DETAILS started",
 * "… done in 49 ms"): done, running, failed (the one running when the task failed) or waiting.
 */
export function stepStates(
  steps: readonly WorkflowStep[],
  task: Pick<CalculationTask, 'status' | 'log'>,
): StepState[] {
  const started = new Set<string>()
  const done = new Map<string, number>()
  for (const line of (task.log ?? '').split('\n')) {
    const m = STEP_LINE.exec(line)
    if (!m) continue
    const kind = m[2] ?? ''
    if (m[3] === 'started') started.add(kind)
    else done.set(kind, Number(m[4]))
  }
  const ordered = [...steps].sort((a, b) => a.step_order - b.step_order)
  return ordered.map((s) => {
    let status: StepStatus = 'wait'
    if (done.has(s.kind)) status = 'finish'
    else if (started.has(s.kind)) status = task.status === 'FAILED' ? 'error' : 'process'
    else if (task.status === 'SUCCEEDED') status = 'finish'
    return { order: s.step_order, kind: s.kind, name: s.name, status, ms: done.get(s.kind) ?? null }
  })
}

export function isActive(task: Pick<CalculationTask, 'status'> | null | undefined): boolean {
  return task?.status === 'PENDING' || task?.status === 'RUNNING'
}

/** A decimal string as a number for a chart (display only); null stays null. */
export function chartNumber(value: string | null | undefined): number | null {
  const units = toUnits(value)
  return units === null ? null : Number(units) / 10_000
}

/** Net value by department, best first (the server's rank; unranked rows last). */
export function netRanking(rows: readonly ValueSummaryRow[]): Array<{ name: string; value: number }> {
  return [...rows]
    .sort((a, b) => (a.rank ?? Number.MAX_SAFE_INTEGER) - (b.rank ?? Number.MAX_SAFE_INTEGER))
    .map((r) => ({ name: r.department.name, value: chartNumber(r.net_value) ?? 0 }))
}

export interface ChangeSeries {
  labels: string[]
  /** Percentages (12.5 for +12.5 %), null where there is nothing to compare with. */
  mom: Array<number | null>
  yoy: Array<number | null>
  /** Whether any department has a figure to compare with. */
  any: boolean
}

/** Month-on-month and year-on-year change of net value per department, in the ranking's order. */
export function changeSeries(rows: readonly ValueSummaryRow[]): ChangeSeries {
  const ranked = [...rows].sort(
    (a, b) => (a.rank ?? Number.MAX_SAFE_INTEGER) - (b.rank ?? Number.MAX_SAFE_INTEGER),
  )
  const pct = (v: string | null | undefined) => {
    const n = chartNumber(v)
    return n === null ? null : Math.round(n * 10_000) / 100
  }
  const mom = ranked.map((r) => pct(r.mom_change))
  const yoy = ranked.map((r) => pct(r.yoy_change))
  return {
    labels: ranked.map((r) => r.department.name),
    mom,
    yoy,
    any: [...mom, ...yoy].some((v) => v !== null),
  }
}

/** The month before `period` ("2026-01" → "2025-12"). */
export function previousPeriod(period: string): string {
  const [y = 0, m = 1] = period.split('-').map(Number)
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`
}
