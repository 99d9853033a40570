// The dimension tree of a model version for the editor: the flat list (parents first) as a nested tree,
// where a node may move to (same series, not into itself, not under a leaf that has item mappings), the
// charge leaves items can be mapped to, and the checks an orientation ladder must pass before it is sent.
import type { DimensionNode, LadderBand } from '@/api/types'
import { toUnits } from './money'

export interface TreeItem {
  id: number
  label: string
  node: DimensionNode
  children: TreeItem[]
}

/** The nested tree, in the API's order (each parent before its children, siblings by sort then code). */
/** A node as a choice names it: its name, then its code. */
export function nodeLabel(n: { name: string; code: string }): string {
  return `${n.name}（${n.code}）`
}

export function nodeTree(nodes: readonly DimensionNode[]): TreeItem[] {
  const items = new Map<number, TreeItem>()
  const roots: TreeItem[] = []
  for (const node of nodes) {
    const item: TreeItem = { id: node.id, label: node.name, node, children: [] }
    items.set(node.id, item)
    const parent = node.parent_id != null ? items.get(node.parent_id) : undefined
    if (parent) parent.children.push(item)
    else roots.push(item)
  }
  return roots
}

/** A node and everything under it. */
export function subtreeIds(nodes: readonly DimensionNode[], id: number): Set<number> {
  const out = new Set<number>([id])
  // Parents come first, so one pass collects the whole subtree.
  for (const n of nodes) if (n.parent_id != null && out.has(n.parent_id)) out.add(n.id)
  return out
}

/** Where `node` may move: a node of its series outside its own subtree that has no item mappings. */
export function moveTargets(nodes: readonly DimensionNode[], node: DimensionNode): DimensionNode[] {
  const own = subtreeIds(nodes, node.id)
  return nodes.filter((n) => n.series === node.series && !own.has(n.id) && n.mapping_count === 0)
}

/** Parents a new node of the given code prefix's series may go under (any node without mappings). */
export function parentChoices(nodes: readonly DimensionNode[]): DimensionNode[] {
  return nodes.filter((n) => n.mapping_count === 0)
}

/** The leaves charge items can be mapped to. */
export function chargeLeaves(nodes: readonly DimensionNode[]): DimensionNode[] {
  return nodes.filter((n) => n.is_leaf && n.kind === 'CHARGE')
}

export interface BandInput {
  lower_bound: string
  upper_bound: string
  intensity: string
}

/** What is wrong with a ladder as typed (the message key under `accounting.rules.ladder.`), or null. */
export function ladderProblem(bands: readonly BandInput[]): string | null {
  if (bands.length === 0) return 'empty'
  const parsed = bands.map((b) => ({
    lower: toUnits(b.lower_bound),
    upper: b.upper_bound.trim() === '' ? null : toUnits(b.upper_bound),
    upperGiven: b.upper_bound.trim() !== '',
    intensity: toUnits(b.intensity),
  }))
  for (const b of parsed) {
    if (b.lower === null || b.intensity === null || (b.upperGiven && b.upper === null)) return 'number'
    if (b.intensity < 0n || b.lower < 0n) return 'negative'
    if (b.upper !== null && b.upper <= b.lower) return 'order'
  }
  const sorted = [...parsed].sort((a, b) => (a.lower! < b.lower! ? -1 : a.lower! > b.lower! ? 1 : 0))
  for (let i = 0; i < sorted.length - 1; i++) {
    const here = sorted[i]!
    const next = sorted[i + 1]!
    if (here.upper === null || here.upper > next.lower!) return 'overlap'
  }
  return null
}

/** The ladder as the API takes it, by lower bound; an empty upper bound is an open top band. */
export function ladderBands(bands: readonly BandInput[]): LadderBand[] {
  return [...bands]
    .map((b) => ({
      lower_bound: b.lower_bound.trim(),
      upper_bound: b.upper_bound.trim() === '' ? null : b.upper_bound.trim(),
      intensity: b.intensity.trim(),
    }))
    .sort((a, b) => {
      const x = toUnits(a.lower_bound) ?? 0n
      const y = toUnits(b.lower_bound) ?? 0n
      return x < y ? -1 : x > y ? 1 : 0
    })
}

/** "[0.80, 1.20) × 1.00" for a band. */
export function bandText(band: LadderBand): string {
  const trim = (v: string) => v.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '')
  const upper = band.upper_bound == null ? '∞' : trim(band.upper_bound)
  return `[${trim(band.lower_bound)}, ${upper}) × ${trim(band.intensity)}`
}
