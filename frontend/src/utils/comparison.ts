// Two runs compared (GET /calculation-tasks/compare), shaped for the screen: the matrix's columns (the nodes of
// both runs in display order, placed in their trees and series, and whether a version lacks them), the cells by
// department and node, the colour of a change by its sign and size, the hospital's change per node, the largest
// changes, a model version's difference in words, and which task a task is compared with by default. Figures are
// decimal strings, summed in integer ten-thousandths.
import type {
  BenchmarkMethod,
  CalculationTask,
  ComparedCell,
  ComparedNode,
  DimensionNode,
  ModelDifference,
  NodeKind,
  Series,
} from '@/api/types'
import { BENCHMARK_METHODS } from '@/api/types'
import { formatPercent, previousPeriod } from './accounting'
import { methodText } from './benchmarks'
import type { Translate } from './conflict'
import { fromUnits, toUnits } from './money'
import { formatDecimal } from './numbers'

/** A node of either run, as a column of the matrix. */
export interface CompareNode {
  code: string
  name: string
  depth: number
  /** The parent's code; null for a root. */
  parent: string | null
  series: Series | null
  kind: NodeKind | null
  isLeaf: boolean
  /** Both versions have the node, only the other run's (added) or only the base run's (removed). */
  presence: 'both' | 'added' | 'removed'
}

/**
 * The comparison's nodes (the other run's tree in display order, then the base's nodes it lacks) placed in the
 * versions' trees: each node's parent, series and kind come from the other run's version where it has the node,
 * else from the base's. A node neither tree knows (the trees could not be read) hangs under the nearest node
 * before it of a smaller depth.
 */
export function compareNodes(
  nodes: readonly ComparedNode[],
  baseTree: readonly DimensionNode[],
  otherTree: readonly DimensionNode[],
): CompareNode[] {
  const index = (tree: readonly DimensionNode[]) => {
    const codes = new Map(tree.map((n) => [n.id, n.code]))
    return new Map(tree.map((n) => [n.code, { node: n, parent: n.parent_id == null ? null : (codes.get(n.parent_id) ?? null) }]))
  }
  const base = index(baseTree)
  const other = index(otherTree)
  // Whether a version lacks a node is known only when both trees were read.
  const both = baseTree.length > 0 && otherTree.length > 0
  const stack: string[] = []
  const out: CompareNode[] = nodes.map((n) => {
    const known = other.get(n.code) ?? base.get(n.code)
    stack.length = Math.min(stack.length, n.depth)
    const parent = known ? known.parent : n.depth > 0 ? (stack[stack.length - 1] ?? null) : null
    stack.push(n.code)
    const inBase = base.has(n.code)
    const inOther = other.has(n.code)
    return {
      code: n.code,
      name: n.name,
      depth: n.depth,
      parent,
      series: known?.node.series ?? null,
      kind: known?.node.kind ?? null,
      isLeaf: true,
      presence: !both || inBase === inOther ? 'both' : inOther ? 'added' : 'removed',
    }
  })
  const parents = new Set(out.map((n) => n.parent))
  for (const n of out) n.isLeaf = !parents.has(n.code)
  return out
}

/** The parents deeper than `depth` start collapsed, as in the results matrix. */
export function initiallyCollapsedCodes(nodes: readonly CompareNode[], depth = 1): Set<string> {
  return new Set(nodes.filter((n) => !n.isLeaf && n.depth >= depth).map((n) => n.code))
}

/** Every parent (for "collapse all"). */
export function parentCodes(nodes: readonly CompareNode[]): Set<string> {
  return new Set(nodes.filter((n) => !n.isLeaf).map((n) => n.code))
}

/** The nodes that show: all but those under a collapsed parent (parents come before their children). */
export function visibleCompareNodes(nodes: readonly CompareNode[], collapsed: ReadonlySet<string>): CompareNode[] {
  const hidden = new Set<string>()
  return nodes.filter((n) => {
    if (n.parent != null && (hidden.has(n.parent) || collapsed.has(n.parent))) {
      hidden.add(n.code)
      return false
    }
    return true
  })
}

export interface CompareGroup {
  series: Series | null
  start: number
  count: number
}

/** Runs of consecutive columns of one series, for the header's first row. */
export function compareGroups(columns: readonly CompareNode[]): CompareGroup[] {
  const groups: CompareGroup[] = []
  columns.forEach((c, i) => {
    const last = groups[groups.length - 1]
    if (last && last.series === c.series) last.count += 1
    else groups.push({ series: c.series, start: i, count: 1 })
  })
  return groups
}

export function changeKey(departmentCode: string, nodeCode: string): string {
  return `${departmentCode}\u0000${nodeCode}`
}

/** Every cell by department and node. */
export function pivotChanges(cells: readonly ComparedCell[]): Map<string, ComparedCell> {
  return new Map(cells.map((c) => [changeKey(c.department_code, c.node_code), c]))
}

/** The hospital's change per node: the sum over departments (a cell only one run has counts as 0 in the other). */
export function nodeChanges(cells: readonly ComparedCell[]): Map<string, string> {
  const sums = new Map<string, bigint>()
  for (const c of cells) sums.set(c.node_code, (sums.get(c.node_code) ?? 0n) + (toUnits(c.change) ?? 0n))
  return new Map([...sums].map(([code, units]) => [code, fromUnits(units)]))
}

/** The largest change in size among `values` (ten-thousandths), the top of the colour scale. */
export function largestMagnitude(values: Iterable<string | null | undefined>): bigint {
  let max = 0n
  for (const v of values) {
    const units = toUnits(v)
    if (units === null) continue
    const abs = units < 0n ? -units : units
    if (abs > max) max = abs
  }
  return max
}

/** How many shades each direction of the colour scale has. */
export const TONE_LEVELS = 4

export interface Tone {
  sign: 'up' | 'down' | 'zero'
  /** 0 for no change; 1 (small) to TONE_LEVELS (the largest change shown). */
  level: number
}

/**
 * A change's colour: its sign (an increase and a decrease in different hues, no change neutral) and its size
 * against the largest change shown, on a square-root scale so small changes still show a tint: a change of a
 * sixteenth of the largest is level 1, a quarter level 2, half level 3, the largest level 4.
 */
export function changeTone(change: string | null | undefined, max: bigint): Tone {
  const units = toUnits(change)
  if (units === null || units === 0n) return { sign: 'zero', level: 0 }
  const abs = units < 0n ? -units : units
  const share = max > 0n ? Math.min(1, Number(abs) / Number(max)) : 1
  const level = Math.min(TONE_LEVELS, 1 + Math.floor((TONE_LEVELS - 1) * Math.sqrt(share) + 1e-9))
  return { sign: units > 0n ? 'up' : 'down', level }
}

/** A change as shown: "+1,660.50", "-36,075.19", "0.00". */
export function formatChange(value: string | null | undefined): string {
  const units = toUnits(value)
  if (units === null) return ''
  const text = formatDecimal(value, 2, 2)
  return units > 0n ? `+${text}` : text
}

/** A change's ratio to |base|: "+60.00%", "-46.96%", or "—" when base was 0 or missing. */
export function formatChangeRatio(value: string | null | undefined): string {
  const units = toUnits(value)
  if (units === null) return '—'
  const text = formatPercent(value)
  return units > 0n ? `+${text}` : text
}

/** A value as shown in the comparison: money to cents, "—" where the run has no such cell. */
export function formatValue(value: string | null | undefined): string {
  return value === null || value === undefined ? '—' : formatDecimal(value, 2, 2)
}

/**
 * The largest changes (in size, then by department and node code, as the server orders them): of the leaves
 * only — a parent repeats its children's changes — unless `leaves` is null.
 */
export function largestChanges(
  cells: readonly ComparedCell[],
  leaves: ReadonlySet<string> | null,
  limit = 20,
): ComparedCell[] {
  const size = (c: ComparedCell) => {
    const u = toUnits(c.change) ?? 0n
    return u < 0n ? -u : u
  }
  return cells
    .filter((c) => (leaves ? leaves.has(c.node_code) : true) && (toUnits(c.change) ?? 0n) !== 0n)
    .map((c, i) => ({ c, i, size: size(c) }))
    .sort((a, b) => (a.size === b.size ? a.i - b.i : a.size > b.size ? -1 : 1))
    .slice(0, limit)
    .map((x) => x.c)
}

/**
 * Which task `task` is compared with by default: the latest task of the same period created before it (a re-run
 * of the month on another model version, say), else the latest succeeded task of the month before. Only tasks
 * with a finished run compare.
 */
export function defaultBase(
  task: Pick<CalculationTask, 'id' | 'period' | 'created_at'>,
  tasks: readonly CalculationTask[],
): CalculationTask | null {
  const newestFirst = (a: CalculationTask, b: CalculationTask) =>
    a.created_at === b.created_at ? b.id - a.id : a.created_at < b.created_at ? 1 : -1
  const earlier = (t: CalculationTask) =>
    t.created_at < task.created_at || (t.created_at === task.created_at && t.id < task.id)
  const finished = tasks.filter((t) => t.id !== task.id && t.run_no > 0)
  const same = finished.filter((t) => t.period === task.period && earlier(t)).sort(newestFirst)[0]
  if (same) return same
  const before = previousPeriod(task.period)
  return finished.filter((t) => t.period === before && t.status === 'SUCCEEDED').sort(newestFirst)[0] ?? null
}

/** What the difference's sentence needs beyond the catalogue: the names of nodes and departments by code. */
export interface DifferenceNames {
  node: (code: string) => string | undefined
  department: (code: string) => string | undefined
}

const NODE_FIELDS = [
  'name',
  'parent',
  'weight',
  'series',
  'kind',
  'dept_field',
  'business_type_scope',
  'splits_business_type',
] as const
const ENUM_FIELDS: Record<string, string> = {
  series: 'enums.series',
  kind: 'enums.nodeKind',
  dept_field: 'enums.deptField',
  business_type_scope: 'enums.businessTypeScope',
}

/** A message, or `fallback` where the catalogue has none (vue-i18n answers the key). */
function known(t: Translate, key: string, fallback: string): string {
  const text = t(key, {})
  return text === key ? fallback : text
}

/** "0.9000" → "0.9", "1200.0000" → "1200": the decimals a ladder or benchmark really has. */
export function trimDecimals(text: string): string {
  return text.replace(/(\d+)\.(\d+)/g, (_, whole: string, fraction: string) => {
    const kept = fraction.replace(/0+$/, '')
    return kept ? `${whole}.${kept}` : whole
  })
}

/** A rule's benchmark as the comparison states it ("HISTORY_AVERAGE 1200.0000 (3)") in words. */
function benchmarkText(text: string, t: Translate): string {
  const m = /^([A-Z_]+) (-?\d+(?:\.\d+)?)(?: \((\d+)\))?$/.exec(text)
  const method = m?.[1] as BenchmarkMethod | undefined
  if (!m || !method || !BENCHMARK_METHODS.includes(method)) return trimDecimals(text)
  const how = methodText({ benchmark_method: method, lookback_periods: m[3] ? Number(m[3]) : null }, t)
  const value = trimDecimals(m[2] ?? '')
  return method === 'FIXED' ? `${how} ${value}` : t('accounting.compare.diff.computedBenchmark', { method: how, value })
}

function valueText(d: ModelDifference, value: string | null | undefined, t: Translate): string {
  if (value === null || value === undefined) return t('accounting.compare.diff.none', {})
  if (d.kind === 'RULE') return d.field === 'benchmark' ? benchmarkText(value, t) : trimDecimals(value)
  if (d.field === 'parent') return value === '' ? t('accounting.tree.topLevel', {}) : value
  if (d.field === 'splits_business_type') {
    return value === 'true' ? t('accounting.tree.yes', {}) : value === 'false' ? t('accounting.tree.no', {}) : value
  }
  const prefix = ENUM_FIELDS[d.field]
  return prefix ? known(t, `${prefix}.${value}`, value) : value
}

/** A node (or item) code with its name when known: "dim-doc-treat（治疗）". */
function named(code: string, name: string | undefined, t: Translate): string {
  return name ? t('accounting.compare.diff.named', { code, name }) : code
}

/**
 * One difference between the two runs' model versions as a sentence: a node added or removed, a node's field
 * from one value to the other ("节点 dim-doc-treat（治疗）权重 0.5000 → 0.8000"), an item's mapping to a leaf
 * added or removed, a rule's benchmark or ladder.
 */
export function describeDifference(d: ModelDifference, names: DifferenceNames, t: Translate): string {
  const from = valueText(d, d.base, t)
  const to = valueText(d, d.other, t)
  switch (d.kind) {
    case 'NODE': {
      const node = named(d.subject, names.node(d.subject) ?? d.other ?? d.base ?? undefined, t)
      if (d.field === 'node') {
        return t(d.base == null ? 'accounting.compare.diff.nodeAdded' : 'accounting.compare.diff.nodeRemoved', { node })
      }
      const field = (NODE_FIELDS as readonly string[]).includes(d.field)
        ? t(`accounting.compare.diff.fields.${d.field}`, {})
        : d.field
      return t('accounting.compare.diff.nodeChanged', { node, field, from, to })
    }
    case 'MAPPING': {
      const leafCode = d.other ?? d.base ?? ''
      const leaf = named(leafCode, names.node(leafCode), t)
      return t(d.base == null ? 'accounting.compare.diff.mappingAdded' : 'accounting.compare.diff.mappingRemoved', {
        item: d.subject,
        leaf,
      })
    }
    case 'RULE': {
      const [nodeCode = '', departmentCode = '*'] = d.subject.split(' / ')
      const department =
        departmentCode === '*'
          ? t('accounting.rules.allDepartments', {})
          : named(departmentCode, names.department(departmentCode), t)
      const field = d.field === 'benchmark' || d.field === 'ladder' ? t(`accounting.compare.diff.fields.${d.field}`, {}) : d.field
      const rule = { node: named(nodeCode, names.node(nodeCode), t), department, field, from, to }
      if (d.base == null) return t('accounting.compare.diff.ruleAdded', rule)
      if (d.other == null) return t('accounting.compare.diff.ruleRemoved', rule)
      return t('accounting.compare.diff.ruleChanged', rule)
    }
    default:
      return `${d.kind} ${d.subject} ${d.field}: ${from} → ${to}`
  }
}
