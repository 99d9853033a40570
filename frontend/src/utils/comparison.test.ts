import { describe, expect, it } from 'vitest'
import { createI18n } from 'vue-i18n'
import type { CalculationTask, ComparedCell, ComparedNode, DimensionNode, ModelDifference } from '@/api/types'
import accountingEn from '@/i18n/accounting/en'
import accountingZh from '@/i18n/accounting/zh-CN'
import en from '@/i18n/en'
import zhCN from '@/i18n/zh-CN'
import {
  changeTone,
  compareGroups,
  compareNodes,
  defaultBase,
  describeDifference,
  formatChange,
  formatChangeRatio,
  initiallyCollapsedCodes,
  largestChanges,
  largestMagnitude,
  nodeChanges,
  parentCodes,
  trimDecimals,
  visibleCompareNodes,
  type DifferenceNames,
} from './comparison'
import type { Translate } from './conflict'

function translate(locale: 'zh-CN' | 'en'): Translate {
  const i18n = createI18n({
    legacy: false,
    locale,
    messages: { 'zh-CN': { ...zhCN, ...accountingZh }, en: { ...en, ...accountingEn } },
  })
  return (key, params) => i18n.global.t(key, params)
}

describe('the colour of a change', () => {
  const max = 10_000n * 1600n // 1600.0000

  it('tells increases from decreases, and leaves no change neutral', () => {
    expect(changeTone('12.5000', max).sign).toBe('up')
    expect(changeTone('-12.5000', max).sign).toBe('down')
    expect(changeTone('0.0000', max)).toEqual({ sign: 'zero', level: 0 })
    expect(changeTone(null, max)).toEqual({ sign: 'zero', level: 0 })
    expect(changeTone('not a number', max)).toEqual({ sign: 'zero', level: 0 })
  })

  it('deepens with the size of the change against the largest, on a square-root scale', () => {
    const level = (v: string) => changeTone(v, max).level
    expect(level('1600')).toBe(4)
    expect(level('-1600')).toBe(4)
    expect(level('800')).toBe(3) // half: √0.5 ≈ 0.71
    expect(level('400')).toBe(2) // a quarter: √0.25 = 0.5
    expect(level('-100')).toBe(1) // a sixteenth
    expect(level('0.0001')).toBe(1) // any change shows
    expect(level('5000')).toBe(4) // beyond the scale (a total): the deepest
    // A larger change is never paler.
    const levels = ['1', '50', '100', '300', '400', '700', '900', '1200', '1600'].map(level)
    expect([...levels].sort((a, b) => a - b)).toEqual(levels)
  })

  it('takes the largest change in size as the top of the scale', () => {
    expect(largestMagnitude(['12.5', '-1600.0000', null, '300'])).toBe(16_000_000n)
    expect(largestMagnitude([])).toBe(0n)
    expect(changeTone('3', 0n)).toEqual({ sign: 'up', level: 4 })
  })

  it('is written with its sign', () => {
    expect(formatChange('1660.5000')).toBe('+1,660.50')
    expect(formatChange('-36075.1850')).toBe('-36,075.19')
    expect(formatChange('0.0000')).toBe('0.00')
    expect(formatChangeRatio('0.6000')).toBe('+60.00%')
    expect(formatChangeRatio('-0.4696')).toBe('-46.96%')
    expect(formatChangeRatio(null)).toBe('—')
  })
})

function treeNode(id: number, code: string, parent: number | null, series: DimensionNode['series'] = 'DOCTOR'): DimensionNode {
  return {
    id,
    model_version_id: 1,
    parent_id: parent,
    code,
    name: code,
    series,
    kind: 'CHARGE',
    dept_field: 'EXECUTING',
    splits_business_type: false,
    business_type_scope: 'ALL',
    weight: '1.0000',
    sort: 0,
    depth: 0,
    is_leaf: false,
    drillable: true,
    mapping_count: 0,
  } as DimensionNode
}

describe("the matrix's columns", () => {
  // Base: doc → (eval → out, treat), tech → lab. Other: treat moved under sur (new), lab kept, path added.
  const baseTree = [
    treeNode(1, 'doc', null),
    treeNode(2, 'eval', 1),
    treeNode(3, 'out', 2),
    treeNode(4, 'treat', 1),
    treeNode(5, 'tech', null, 'TECH'),
    treeNode(6, 'lab', 5, 'TECH'),
    treeNode(7, 'uls', 5, 'TECH'),
  ]
  const otherTree = [
    treeNode(11, 'doc', null),
    treeNode(12, 'eval', 11),
    treeNode(13, 'out', 12),
    treeNode(14, 'sur', 11),
    treeNode(15, 'treat', 14),
    treeNode(16, 'tech', null, 'TECH'),
    treeNode(17, 'lab', 16, 'TECH'),
    treeNode(18, 'path', 16, 'TECH'),
  ]
  const nodes: ComparedNode[] = [
    { code: 'doc', name: '医生', depth: 0 },
    { code: 'eval', name: '诊察', depth: 1 },
    { code: 'out', name: '门诊', depth: 2 },
    { code: 'sur', name: '手术', depth: 1 },
    { code: 'treat', name: '治疗', depth: 2 },
    { code: 'tech', name: '医技', depth: 0 },
    { code: 'lab', name: '检验', depth: 1 },
    { code: 'path', name: '病理', depth: 1 },
    { code: 'uls', name: '超声', depth: 1 },
  ]

  it("place each node in the other run's tree, else the base's, and mark what one version lacks", () => {
    const columns = compareNodes(nodes, baseTree, otherTree)
    const shape = columns.map((c) => `${c.code}<${c.parent ?? ''} ${c.series} ${c.isLeaf ? 'leaf' : 'parent'} ${c.presence}`)
    expect(shape).toEqual([
      'doc< DOCTOR parent both',
      'eval<doc DOCTOR parent both',
      'out<eval DOCTOR leaf both',
      'sur<doc DOCTOR parent added',
      'treat<sur DOCTOR leaf both',
      'tech< TECH parent both',
      'lab<tech TECH leaf both',
      'path<tech TECH leaf added',
      'uls<tech TECH leaf removed',
    ])
  })

  it('without the trees, hang each node under the nearest shallower one before it, and mark nothing', () => {
    const columns = compareNodes(nodes, [], [])
    expect(columns.map((c) => c.parent)).toEqual([null, 'doc', 'eval', 'doc', 'sur', null, 'tech', 'tech', 'tech'])
    expect(columns.every((c) => c.presence === 'both' && c.series === null)).toBe(true)
  })

  it('collapse and expand as the results matrix does, grouped by series', () => {
    const columns = compareNodes(nodes, baseTree, otherTree)
    const collapsed = initiallyCollapsedCodes(columns)
    expect([...collapsed]).toEqual(['eval', 'sur'])
    const shown = visibleCompareNodes(columns, collapsed)
    expect(shown.map((c) => c.code)).toEqual(['doc', 'eval', 'sur', 'tech', 'lab', 'path', 'uls'])
    expect(visibleCompareNodes(columns, parentCodes(columns)).map((c) => c.code)).toEqual(['doc', 'tech'])
    expect(compareGroups(shown)).toEqual([
      { series: 'DOCTOR', start: 0, count: 3 },
      { series: 'TECH', start: 3, count: 4 },
    ])
  })
})

function cell(department: string, node: string, change: string, base: string | null = '0'): ComparedCell {
  return { department_code: department, node_code: node, base, other: null, change, change_ratio: null }
}

describe('changes summed and ranked', () => {
  const cells = [
    cell('SUR', 'doc', '-300.0000'),
    cell('INT', 'doc', '250.5000'),
    cell('SUR', 'treat', '-200.0000'),
    cell('INT', 'treat', '200.0000'),
    cell('INT', 'lab', '0.0000'),
    cell('LAB', 'lab', '-50.2500'),
  ]

  it("sums the hospital's change per node in ten-thousandths", () => {
    const sums = nodeChanges(cells)
    expect(sums.get('doc')).toBe('-49.5000')
    expect(sums.get('treat')).toBe('0.0000')
    expect(sums.get('lab')).toBe('-50.2500')
  })

  it('lists the largest changes in size of the leaves, leaving out cells that did not change', () => {
    const leaves = new Set(['treat', 'lab'])
    expect(largestChanges(cells, leaves).map((c) => `${c.department_code} ${c.node_code}`)).toEqual([
      'SUR treat',
      'INT treat',
      'LAB lab',
    ])
    expect(largestChanges(cells, null, 2).map((c) => `${c.department_code} ${c.node_code}`)).toEqual([
      'SUR doc',
      'INT doc',
    ])
  })
})

function task(id: number, period: string, figures: Partial<CalculationTask> = {}): CalculationTask {
  return {
    id,
    period,
    model_version_id: 1,
    workflow_id: 1,
    status: 'SUCCEEDED',
    progress: 100,
    log: '',
    error: null,
    has_details: true,
    run_no: 1,
    created_at: `2026-12-0${Math.min(9, id)}T08:00:00Z`,
    period_status: 'DRAFT',
    period_run: false,
    origin: 'MANUAL',
    ...figures,
  } as CalculationTask
}

describe('the task a task is compared with by default', () => {
  it("is the period's latest earlier task", () => {
    const tasks = [task(1, '2026-11'), task(2, '2026-12'), task(3, '2026-12'), task(5, '2026-12')]
    expect(defaultBase(task(4, '2026-12'), tasks)?.id).toBe(3)
    expect(defaultBase(tasks[1]!, tasks)?.id).toBe(1)
  })

  it("else the previous month's latest succeeded task", () => {
    const tasks = [
      task(1, '2026-11'),
      task(2, '2026-11'),
      task(3, '2026-11', { status: 'FAILED' }),
      task(4, '2026-10'),
      task(6, '2026-12'),
    ]
    expect(defaultBase(task(5, '2026-12'), tasks)?.id).toBe(2)
    expect(defaultBase(task(7, '2026-01'), [task(1, '2025-12'), task(2, '2026-02')])?.id).toBe(1)
  })

  it('is a task with a finished run, never the task itself, or none', () => {
    const tasks = [task(1, '2026-11', { run_no: 0, status: 'FAILED' }), task(2, '2026-12', { run_no: 0, status: 'RUNNING' })]
    expect(defaultBase(task(3, '2026-12'), tasks)).toBeNull()
    expect(defaultBase(task(3, '2026-12'), [task(3, '2026-12')])).toBeNull()
    // A task queued again still has its earlier run to compare.
    expect(defaultBase(task(3, '2026-12'), [task(2, '2026-12', { status: 'PENDING', run_no: 2 })])?.id).toBe(2)
  })
})

describe('a model difference in words', () => {
  const names: DifferenceNames = {
    node: (code) => ({ 'dim-doc-treat': '治疗', 'dim-tech-lab': '检验', 'dim-doc-out-eval-1': '门诊诊察' })[code],
    department: (code) => ({ INT: '内科' })[code],
  }
  const zh = translate('zh-CN')
  const enT = translate('en')
  const say = (d: Partial<ModelDifference>, t = zh) =>
    describeDifference({ kind: 'NODE', subject: 'dim-doc-treat', field: 'weight', base: null, other: null, ...d }, names, t)

  it("names a node's changed field with both values", () => {
    expect(say({ base: '2.0000', other: '2.5000' })).toBe('维度 dim-doc-treat（治疗） 权重 2.0000 → 2.5000')
    expect(say({ base: '2.0000', other: '2.5000' }, enT)).toBe('Dimension dim-doc-treat (治疗): weight 2.0000 → 2.5000')
    expect(say({ field: 'parent', base: 'dim-doc', other: 'dim-doc-sur' })).toBe(
      '维度 dim-doc-treat（治疗） 上级维度 dim-doc → dim-doc-sur',
    )
    expect(say({ field: 'parent', base: '', other: 'dim-doc' })).toContain('（顶层） → dim-doc')
    expect(say({ field: 'dept_field', base: 'EXECUTING', other: 'PRESCRIBING' })).toContain('执行科室 → 开单科室')
    expect(say({ field: 'business_type_scope', base: 'ALL', other: 'OUTPATIENT' }, enT)).toContain('business scope')
    expect(say({ field: 'splits_business_type', base: 'true', other: 'false' })).toContain('是 → 否')
    expect(say({ field: 'series', base: 'DOCTOR', other: 'TECH' })).toContain('医生 → 医技')
  })

  it('says a node was added or removed', () => {
    expect(say({ subject: 'dim-tech-path', field: 'node', base: null, other: '病理' })).toBe('新增维度 dim-tech-path（病理）')
    expect(say({ subject: 'dim-tech-path', field: 'node', base: '病理', other: null }, enT)).toBe(
      'Dimension dim-tech-path (病理) removed',
    )
  })

  it("says an item's mapping to a leaf was added or removed", () => {
    const mapping = { kind: 'MAPPING', subject: 'LAB-0003', field: 'leaf' }
    expect(say({ ...mapping, base: 'dim-tech-lab', other: null })).toBe('删除对照：项目 LAB-0003 → dim-tech-lab（检验）')
    expect(say({ ...mapping, base: null, other: 'dim-tech-lab' }, enT)).toBe(
      'Mapping added: item LAB-0003 → dim-tech-lab (检验)',
    )
  })

  it("states a rule's benchmark method and ladder in words", () => {
    const rule = { kind: 'RULE', subject: 'dim-doc-out-eval-1 / *', field: 'benchmark' }
    expect(say({ ...rule, base: 'FIXED 1200.0000', other: 'HISTORY_AVERAGE 1200.0000 (3)' })).toBe(
      '导向规则 dim-doc-out-eval-1（门诊诊察） · 全部科室 标杆 固定值 1200 → 历史均值（近 3 期），保底 1200',
    )
    expect(say({ ...rule, base: 'FIXED 1200.0000', other: 'HOSPITAL_AVERAGE 900.5000' }, enT)).toBe(
      'Orientation rule dim-doc-out-eval-1 (门诊诊察) · All departments: benchmark Fixed 1200 → Hospital average, fallback 900.5',
    )
    expect(
      say({ kind: 'RULE', subject: 'dim-nur-bed / INT', field: 'ladder', base: null, other: '[0.0000, 1.0000) ×1.0000; [1.0000, ∞) ×1.0500' }),
    ).toBe('导向规则 dim-nur-bed · INT（内科） 新增，阶梯 [0, 1) ×1; [1, ∞) ×1.05')
    expect(say({ ...rule, base: 'FIXED 1200.0000', other: null })).toBe(
      '导向规则 dim-doc-out-eval-1（门诊诊察） · 全部科室 删除（原标杆 固定值 1200）',
    )
  })

  it('keeps what it does not know as the server sent it', () => {
    expect(say({ field: 'colour', base: 'red', other: 'blue' })).toBe('维度 dim-doc-treat（治疗） colour red → blue')
    expect(say({ kind: 'RULE', subject: 'x / *', field: 'benchmark', base: 'SOMETHING 1.5000', other: 'FIXED 2.0000' })).toContain(
      'SOMETHING 1.5 → 固定值 2',
    )
    expect(trimDecimals('[0.8000, 1.2000) ×1.0000')).toBe('[0.8, 1.2) ×1')
  })
})
