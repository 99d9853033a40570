import { describe, expect, it } from 'vitest'
import { importOutcome, queuedTasks, tabOfKind } from './imports'

describe('tabOfKind', () => {
  it('names the tab of each kind of file', () => {
    expect(tabOfKind('CHARGES')).toBe('charges')
    expect(tabOfKind('ORIENTATION_VALUES')).toBe('orientation-values')
    expect(tabOfKind('DIAGNOSES')).toBeNull()
  })
})

describe('importOutcome', () => {
  it('says what an accepted file added and skipped or replaced', () => {
    expect(importOutcome({ accepted: true, inserted: 3, unchanged_or_updated: 2, errors: null })).toEqual({
      kind: 'accepted',
      inserted: 3,
      unchanged: 2,
    })
    expect(importOutcome({ accepted: true })).toEqual({ kind: 'accepted', inserted: 0, unchanged: 0 })
  })

  it('counts the errors of a refused file', () => {
    expect(importOutcome({ accepted: false, inserted: null, errors: 4 })).toEqual({ kind: 'refused', errors: 4 })
  })
})

describe('queuedTasks', () => {
  it('reads the queued calculations of an answer', () => {
    expect(queuedTasks({ rows: 1, queued_tasks: [12, 13] })).toEqual([12, 13])
    expect(queuedTasks({ rows: 1 })).toEqual([])
    expect(queuedTasks(null)).toEqual([])
  })
})
