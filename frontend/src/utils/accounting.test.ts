import { describe, expect, it } from 'vitest'
import type { MatrixNode, ResultCell, ValueSummaryRow, WorkflowStep } from '@/api/types'
import {
  cellKey,
  changeSeries,
  columnKey,
  columnTotals,
  divideUnits,
  formatFigure,
  formatPercent,
  initiallyCollapsed,
  isActive,
  matrixColumns,
  netRanking,
  parentIds,
  pivot,
  previousPeriod,
  seriesGroups,
  sortDepartments,
  stepStates,
  totalShare,
  visibleNodes,
} from './accounting'

function node(id: number, parent: number | null, depth: number, figures: Partial<MatrixNode> = {}): MatrixNode {
  return {
    id,
    parent_id: parent,
    code: `n${id}`,
    name: `node ${id}`,
    series: 'DOCTOR',
    kind: 'CHARGE',
    depth,
    is_leaf: true,
    drillable: true,
    splits_business_type: false,
    ...figures,
  }
}

// 医生 (1) → 诊察 (2, split) · 手术 (3 → 3a (4), 3b (5)); 医技 (6) → 检验 (7); 成本 (8) → 药品成本 (9)
const NODES: MatrixNode[] = [
  node(1, null, 0, { is_leaf: false }),
  node(2, 1, 1, { splits_business_type: true }),
  node(3, 1, 1, { is_leaf: false }),
  node(4, 3, 2),
  node(5, 3, 2),
  node(6, null, 0, { is_leaf: false, series: 'TECH' }),
  node(7, 6, 1, { series: 'TECH' }),
  node(8, null, 0, { is_leaf: false, series: 'COST', kind: 'COST', drillable: false }),
  node(9, 8, 1, { series: 'COST', kind: 'COST', drillable: false }),
]

function cell(dept: number, nodeId: number, value: string, figures: Partial<ResultCell> = {}): ResultCell {
  return {
    department_id: dept,
    node_id: nodeId,
    business_type: null,
    amount: value,
    quantity: null,
    weight: null,
    value,
    ratio: null,
    ...figures,
  }
}

describe('pivot', () => {
  const cells = [
    cell(10, 2, '100.0000'),
    cell(10, 2, '60.0000', { business_type: 'OUTPATIENT' }),
    cell(10, 2, '40.0000', { business_type: 'INPATIENT' }),
    cell(11, 2, '5.0000'),
    cell(11, 2, '5.0000', { business_type: 'OUTPATIENT' }),
    cell(11, 7, '7.0000'),
  ]

  it('finds every cell by department, node and business type', () => {
    const p = pivot(cells)
    expect(p.cells.size).toBe(6)
    expect(p.cells.get(cellKey(10, 2, null))?.amount).toBe('100.0000')
    expect(p.cells.get(cellKey(10, 2, 'INPATIENT'))?.amount).toBe('40.0000')
    expect(p.cells.get(cellKey(11, 2, 'INPATIENT'))).toBeUndefined()
    expect(p.cells.get(cellKey(12, 2, null))).toBeUndefined()
  })

  it('knows which nodes are broken down by which business types, outpatient first', () => {
    const p = pivot([...cells].reverse())
    expect(p.breakdown.get(2)).toEqual(['OUTPATIENT', 'INPATIENT'])
    expect(p.breakdown.has(7)).toBe(false)
  })

  it('stays linear on a real hospital (100 departments × 100 nodes × 3)', () => {
    const many: ResultCell[] = []
    for (let d = 0; d < 100; d++)
      for (let n = 0; n < 100; n++) {
        many.push(cell(d, n, '1.0000'))
        many.push(cell(d, n, '0.5000', { business_type: 'OUTPATIENT' }))
        many.push(cell(d, n, '0.5000', { business_type: 'INPATIENT' }))
      }
    const started = performance.now()
    const p = pivot(many)
    expect(p.cells.size).toBe(30_000)
    expect(performance.now() - started).toBeLessThan(500)
  })
})

describe('tree collapse', () => {
  it('starts with the first level open and deeper parents closed', () => {
    expect([...initiallyCollapsed(NODES)]).toEqual([3])
    expect([...initiallyCollapsed(NODES, 0)].sort()).toEqual([1, 3, 6, 8])
    expect([...parentIds(NODES)].sort()).toEqual([1, 3, 6, 8])
  })

  it('hides everything under a collapsed parent, however deep', () => {
    const ids = (collapsed: number[]) => visibleNodes(NODES, new Set(collapsed)).map((n) => n.id)
    expect(ids([])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(ids([3])).toEqual([1, 2, 3, 6, 7, 8, 9])
    // A collapsed root hides its expanded children's children too.
    expect(ids([1])).toEqual([1, 6, 7, 8, 9])
    expect(ids([1, 6, 8])).toEqual([1, 6, 8])
    // Collapsing a leaf changes nothing.
    expect(ids([7])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
  })
})

describe('columns', () => {
  const breakdown = new Map([[2, ['OUTPATIENT', 'INPATIENT'] as const]])
  const visible = visibleNodes(NODES, new Set([3]))

  it('are the visible nodes, each split node followed by its business types when asked', () => {
    expect(matrixColumns(visible, breakdown, false).map((c) => c.key)).toEqual([
      '1:',
      '2:',
      '3:',
      '6:',
      '7:',
      '8:',
      '9:',
    ])
    expect(matrixColumns(visible, breakdown, true).map((c) => c.key)).toEqual([
      '1:',
      '2:',
      '2:OUTPATIENT',
      '2:INPATIENT',
      '3:',
      '6:',
      '7:',
      '8:',
      '9:',
    ])
  })

  it('group by series for the header', () => {
    const groups = seriesGroups(matrixColumns(visible, breakdown, true))
    expect(groups).toEqual([
      { series: 'DOCTOR', start: 0, count: 5 },
      { series: 'TECH', start: 5, count: 2 },
      { series: 'COST', start: 7, count: 2 },
    ])
    expect(seriesGroups([])).toEqual([])
  })
})

describe('totals row', () => {
  const cells = [
    cell(10, 1, '100.0000', { amount: '80.0000', quantity: '3.0000' }),
    cell(11, 1, '50.5000', { amount: '40.0000', quantity: null }),
    cell(10, 2, '75.0000', { quantity: '2.5000' }),
    cell(10, 2, '75.0000', { business_type: 'OUTPATIENT' }),
    cell(10, 3, '25.0000'),
    cell(11, 2, '10.0000'),
    cell(11, 3, '40.5000'),
    cell(10, 8, '-30.0000', { amount: '30.0000' }),
    cell(10, 9, '-30.0000', { amount: '30.0000' }),
  ]

  it('sums each column over the departments', () => {
    const value = columnTotals(NODES, cells, 'value')
    expect(value.get(columnKey(1, null))).toBe('150.5000')
    expect(value.get(columnKey(2, null))).toBe('85.0000')
    expect(value.get(columnKey(2, 'OUTPATIENT'))).toBe('75.0000')
    expect(value.get(columnKey(8, null))).toBe('-30.0000')
    expect(value.get(columnKey(7, null))).toBeUndefined()
    expect(columnTotals(NODES, cells, 'amount').get(columnKey(1, null))).toBe('120.0000')
    // Quantities that are null (mixed kinds) are left out.
    expect(columnTotals(NODES, cells, 'quantity').get(columnKey(1, null))).toBe('3.0000')
  })

  it('adds no weights, and computes the hospital-wide ratio among siblings', () => {
    expect(columnTotals(NODES, cells, 'weight').size).toBe(0)
    const ratio = columnTotals(NODES, cells, 'ratio')
    expect(ratio.get(columnKey(1, null))).toBe('1.0000')
    // 85 ÷ (85 + 65.5)
    expect(ratio.get(columnKey(2, null))).toBe('0.5648')
    expect(ratio.get(columnKey(3, null))).toBe('0.4352')
    // No value among its siblings: no ratio.
    expect(ratio.get(columnKey(7, null))).toBeNull()
    expect(ratio.get(columnKey(9, null))).toBe('1.0000')
  })

  it('divides to four places, half away from zero', () => {
    expect(divideUnits(1n, 3n)).toBe('0.3333')
    expect(divideUnits(2n, 3n)).toBe('0.6667')
    expect(divideUnits(-2n, 3n)).toBe('-0.6667')
    expect(divideUnits(1n, 8n)).toBe('0.1250')
    expect(divideUnits(1n, 20000n * 10000n)).toBe('0.0000')
    expect(divideUnits(1n, 0n)).toBeNull()
  })
})

describe('rows sorted by a column', () => {
  const departments = [10, 11, 12, 13].map((id) => ({ id, code: `D${id}`, name: `科室 ${id}` }))
  const { cells } = pivot([
    cell(10, 2, '5.0000'),
    cell(11, 2, '-1.0000'),
    cell(13, 2, '5.0000', { amount: '9.0000' }),
    cell(13, 2, '2.0000', { business_type: 'OUTPATIENT' }),
  ])
  const column = { node: NODES[1]!, businessType: null }
  const ids = (list: Array<{ id: number }>) => list.map((d) => d.id)

  it('orders by the figure shown, keeping ties in place and departments without a figure last', () => {
    expect(ids(sortDepartments(departments, cells, column, 'value', true))).toEqual([10, 13, 11, 12])
    expect(ids(sortDepartments(departments, cells, column, 'value', false))).toEqual([11, 10, 13, 12])
    expect(ids(sortDepartments(departments, cells, column, 'amount', true))).toEqual([13, 10, 11, 12])
    expect(ids(sortDepartments(departments, cells, { ...column, businessType: 'OUTPATIENT' }, 'value', true))).toEqual([
      13, 10, 11, 12,
    ])
  })
})

describe('figures as text', () => {
  it('formats each metric', () => {
    expect(formatFigure('1234567.5000', 'amount')).toBe('1,234,567.50')
    expect(formatFigure('-130000.0000', 'value')).toBe('-130,000.00')
    expect(formatFigure('0.0050', 'value')).toBe('0.01')
    expect(formatFigure('1994.0000', 'quantity')).toBe('1,994')
    expect(formatFigure('2.5000', 'quantity')).toBe('2.5')
    expect(formatFigure('1.2000', 'weight')).toBe('1.20')
    expect(formatFigure('1.2345', 'weight')).toBe('1.2345')
    expect(formatFigure('0.2924', 'ratio')).toBe('29.24%')
    expect(formatFigure(null, 'quantity')).toBe('')
    expect(formatFigure(undefined, 'value')).toBe('')
  })

  it('rounds half away from zero and shows no negative zero', () => {
    expect(formatFigure('0.0050', 'amount')).toBe('0.01')
    expect(formatFigure('-0.0050', 'value')).toBe('-0.01')
    expect(formatFigure('-0.0049', 'value')).toBe('0.00')
    expect(formatPercent('-0.0312')).toBe('-3.12%')
    expect(formatPercent(null)).toBe('')
    expect(formatFigure('abc', 'quantity')).toBe('abc')
  })
})

describe('step log', () => {
  const steps: WorkflowStep[] = [
    { step_order: 2, kind: 'GENERATE_DETAILS', name: '生成核算明细' },
    { step_order: 1, kind: 'PREPARE', name: '数据准备' },
    { step_order: 3, kind: 'AGGREGATE_RESULTS', name: '维度汇总' },
  ]
  const log = [
    '06:30:47 run 1 of task 2 for 2026-11: 3 steps',
    '06:30:47 [1/3] PREPARE started',
    '06:30:47 [1/3] 23047 charge lines, amount 358490',
    '06:30:47 [1/3] PREPARE done in 76 ms',
    '06:30:47 [2/3] GENERATE_DETAILS started',
  ].join('\n')

  it('reads which steps are done, running or waiting', () => {
    const states = stepStates(steps, { status: 'RUNNING', log })
    expect(states.map((s) => [s.kind, s.status, s.ms])).toEqual([
      ['PREPARE', 'finish', 76],
      ['GENERATE_DETAILS', 'process', null],
      ['AGGREGATE_RESULTS', 'wait', null],
    ])
  })

  it('marks the step that was running when the task failed', () => {
    const states = stepStates(steps, { status: 'FAILED', log })
    expect(states.map((s) => s.status)).toEqual(['finish', 'error', 'wait'])
  })

  it('knows nothing before the first run, and everything after a success', () => {
    expect(stepStates(steps, { status: 'PENDING', log: null }).map((s) => s.status)).toEqual(['wait', 'wait', 'wait'])
    expect(stepStates(steps, { status: 'SUCCEEDED', log: '' }).map((s) => s.status)).toEqual([
      'finish',
      'finish',
      'finish',
    ])
  })

  it('polls only while a task is queued or running', () => {
    expect(isActive({ status: 'PENDING' })).toBe(true)
    expect(isActive({ status: 'RUNNING' })).toBe(true)
    expect(isActive({ status: 'SUCCEEDED' })).toBe(false)
    expect(isActive({ status: 'FAILED' })).toBe(false)
    expect(isActive(null)).toBe(false)
  })
})

describe('value summary charts', () => {
  function row(id: number, name: string, rank: number | null, net: string, mom: string | null, yoy: string | null) {
    return {
      department: { id, code: `D${id}`, name },
      doctor_value: '0',
      nursing_value: '0',
      tech_value: '0',
      cost_value: '0',
      net_value: net,
      share: null,
      rank,
      mom_change: mom,
      yoy_change: yoy,
    } satisfies ValueSummaryRow
  }
  const rows = [
    row(1, '内科', 2, '1000.5000', '0.1250', null),
    row(2, '外科', 1, '2000.0000', '-0.0312', null),
    row(3, '药剂科', null, '-50.0000', null, null),
  ]

  it('ranks net value by department', () => {
    expect(netRanking(rows)).toEqual([
      { name: '外科', value: 2000 },
      { name: '内科', value: 1000.5 },
      { name: '药剂科', value: -50 },
    ])
  })

  it('gives the changes in percent, null where there is nothing to compare with', () => {
    const c = changeSeries(rows)
    expect(c.labels).toEqual(['外科', '内科', '药剂科'])
    expect(c.mom).toEqual([-3.12, 12.5, null])
    expect(c.yoy).toEqual([null, null, null])
    expect(c.any).toBe(true)
    expect(changeSeries([rows[2] as ValueSummaryRow]).any).toBe(false)
  })

  it('knows the month before', () => {
    expect(previousPeriod('2026-01')).toBe('2025-12')
    expect(previousPeriod('2026-11')).toBe('2026-10')
  })
})

describe('value summary share', () => {
  it('gives the hospital 100 % of a positive total and −100 % of a negative one', () => {
    expect(totalShare(['1955.0000', '-87.5000'])).toBe('1.0000')
    expect(totalShare(['1955.0000', '-2887.5000'])).toBe('-1.0000')
    expect(formatPercent(totalShare(['1955.0000', '-2887.5000']))).toBe('-100.00%')
  })

  it('gives no share of a zero total', () => {
    expect(totalShare(['10.0000', '-10.0000'])).toBeNull()
    expect(totalShare([])).toBeNull()
    expect(formatPercent(totalShare([]))).toBe('')
  })
})
