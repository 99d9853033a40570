import { describe, expect, it } from 'vitest'
import type { DimensionNode } from '@/api/types'
import { bandText, chargeLeaves, ladderBands, ladderProblem, moveTargets, nodeTree, subtreeIds } from './models'

function node(id: number, parent: number | null, figures: Partial<DimensionNode> = {}): DimensionNode {
  return {
    id,
    model_version_id: 1,
    parent_id: parent,
    code: `dim-doc-${id}`,
    name: `node ${id}`,
    series: 'DOCTOR',
    kind: 'CHARGE',
    dept_field: 'EXECUTING',
    splits_business_type: true,
    business_type_scope: 'ALL',
    weight: '1.0000',
    sort: 0,
    depth: 0,
    is_leaf: true,
    drillable: true,
    mapping_count: 0,
    ...figures,
  }
}

// 1 → 2 (mapped leaf), 3 → 4; 5 (tech); 6 (workload leaf under 1)
const NODES = [
  node(1, null, { is_leaf: false }),
  node(2, 1, { mapping_count: 3 }),
  node(3, 1, { is_leaf: false }),
  node(4, 3),
  node(5, null, { series: 'TECH' }),
  node(6, 1, { kind: 'WORKLOAD' }),
]

describe('dimension tree', () => {
  it('nests the flat list', () => {
    const tree = nodeTree(NODES)
    expect(tree.map((t) => t.id)).toEqual([1, 5])
    expect(tree[0]?.children.map((t) => t.id)).toEqual([2, 3, 6])
    expect(tree[0]?.children[1]?.children.map((t) => t.id)).toEqual([4])
  })

  it('moves a node only within its series, never into its own subtree or under a mapped leaf', () => {
    expect([...subtreeIds(NODES, 3)].sort()).toEqual([3, 4])
    expect([...subtreeIds(NODES, 1)].sort()).toEqual([1, 2, 3, 4, 6])
    expect(moveTargets(NODES, NODES[3]!).map((n) => n.id)).toEqual([1, 3, 6])
    expect(moveTargets(NODES, NODES[2]!).map((n) => n.id)).toEqual([1, 6])
    expect(moveTargets(NODES, NODES[0]!).map((n) => n.id)).toEqual([])
  })

  it('maps items only to charge leaves', () => {
    expect(chargeLeaves(NODES).map((n) => n.id)).toEqual([2, 4, 5])
  })
})

describe('orientation ladder', () => {
  const band = (lower_bound: string, upper_bound: string, intensity = '1') => ({ lower_bound, upper_bound, intensity })

  it('accepts bands that do not overlap, in any order, with gaps and an open top band', () => {
    expect(ladderProblem([band('1.2', ''), band('0', '0.8', '0.9'), band('0.8', '1.2')])).toBeNull()
    expect(ladderProblem([band('0', '0.5'), band('0.8', '1')])).toBeNull()
  })

  it('says what is wrong', () => {
    expect(ladderProblem([])).toBe('empty')
    expect(ladderProblem([band('x', '1')])).toBe('number')
    expect(ladderProblem([band('0', '1', '')])).toBe('number')
    expect(ladderProblem([band('0', '1', '-1')])).toBe('negative')
    expect(ladderProblem([band('1', '1')])).toBe('order')
    expect(ladderProblem([band('0', '1'), band('0.9', '2')])).toBe('overlap')
    expect(ladderProblem([band('0', ''), band('1', '2')])).toBe('overlap')
  })

  it('sends the bands by lower bound, an empty upper bound as an open band', () => {
    expect(ladderBands([band(' 1.2 ', ''), band('0', '1.2', '0.9')])).toEqual([
      { lower_bound: '0', upper_bound: '1.2', intensity: '0.9' },
      { lower_bound: '1.2', upper_bound: null, intensity: '1' },
    ])
  })

  it('reads a band as a half-open interval', () => {
    expect(bandText({ lower_bound: '0.8000', upper_bound: '1.2000', intensity: '1.0500' })).toBe('[0.8, 1.2) × 1.05')
    expect(bandText({ lower_bound: '1.2000', upper_bound: null, intensity: '1.0000' })).toBe('[1.2, ∞) × 1')
  })
})
