import { describe, expect, it } from 'vitest'
import type { PeriodAction, PeriodStatus, Role } from '@/api/types'
import { PERIOD_ACTIONS, PERIOD_STATUSES, ROLES } from '@/api/types'
import { mayTake, nextStatus, periodActions, periodOpen, periodOver, reasonProblem, reviewBlock } from './periods'

describe("a period's life", () => {
  it('goes draft → reviewed → published → locked and reopens to draft', () => {
    let s: PeriodStatus = 'DRAFT'
    for (const a of ['REVIEW', 'PUBLISH', 'LOCK', 'REOPEN'] as const) s = nextStatus(s, a) ?? s
    expect(s).toBe('DRAFT')
    expect(nextStatus('REVIEWED', 'REOPEN')).toBe('DRAFT')
    expect(nextStatus('PUBLISHED', 'REOPEN')).toBe('DRAFT')
  })

  it('allows no other step (as the server refuses them with INVALID_TRANSITION)', () => {
    const allowed = ['DRAFT REVIEW', 'REVIEWED PUBLISH', 'PUBLISHED LOCK', 'REVIEWED REOPEN', 'PUBLISHED REOPEN', 'LOCKED REOPEN']
    for (const from of PERIOD_STATUSES) {
      for (const action of PERIOD_ACTIONS) {
        expect(nextStatus(from, action) !== null, `${from} ${action}`).toBe(allowed.includes(`${from} ${action}`))
      }
    }
  })

  it('lets analysts review and take a review back, administrators do everything, nobody else anything', () => {
    for (const from of PERIOD_STATUSES) {
      for (const action of PERIOD_ACTIONS) {
        expect(mayTake('ADMIN', from, action)).toBe(true)
        expect(mayTake('FRONT_DESK', from, action)).toBe(false)
        expect(mayTake('DOCTOR', from, action)).toBe(false)
        expect(mayTake(null, from, action)).toBe(false)
        const analyst = action === 'REVIEW' || (from === 'REVIEWED' && action === 'REOPEN')
        expect(mayTake('ANALYST', from, action), `${from} ${action}`).toBe(analyst)
      }
    }
  })

  it('offers each role the steps of the state it may take', () => {
    const offered = (role: Role) => PERIOD_STATUSES.map((s) => periodActions(role, s).join(','))
    // DRAFT, REVIEWED, PUBLISHED, LOCKED
    expect(offered('ANALYST')).toEqual(['REVIEW', 'REOPEN', '', ''])
    expect(offered('ADMIN')).toEqual(['REVIEW', 'PUBLISH,REOPEN', 'LOCK,REOPEN', 'REOPEN'])
    for (const role of ROLES.filter((r) => r !== 'ADMIN' && r !== 'ANALYST')) {
      expect(offered(role)).toEqual(['', '', '', ''])
    }
  })
})

describe("a transition's reason", () => {
  it('is required to reopen, optional otherwise, blank counting as none', () => {
    expect(reasonProblem('REOPEN', '')).toBe('required')
    expect(reasonProblem('REOPEN', '   ')).toBe('required')
    expect(reasonProblem('REOPEN', null)).toBe('required')
    expect(reasonProblem('REOPEN', ' 成本数据更正 ')).toBeNull()
    for (const action of ['REVIEW', 'PUBLISH', 'LOCK'] as PeriodAction[]) {
      expect(reasonProblem(action, ' ')).toBeNull()
      expect(reasonProblem(action, undefined)).toBeNull()
    }
  })

  it('has at most 500 characters, counted as the server counts them, after trimming', () => {
    expect(reasonProblem('REVIEW', '长'.repeat(500))).toBeNull()
    expect(reasonProblem('REVIEW', '长'.repeat(501))).toBe('tooLong')
    expect(reasonProblem('REOPEN', ` ${'x'.repeat(500)} `)).toBeNull()
    // 500 characters outside the BMP are 1000 UTF-16 units, and still 500 characters.
    expect(reasonProblem('REOPEN', '𠀀'.repeat(500))).toBeNull()
    expect(reasonProblem('REOPEN', '𠀀'.repeat(501))).toBe('tooLong')
  })
})

describe('reviewing a task', () => {
  const task = { period: '2026-10', status: 'SUCCEEDED' as const, run_no: 1 }

  it('waits for the month to be over', () => {
    expect(periodOver('2026-10', '2026-10-31')).toBe(false)
    expect(periodOver('2026-10', '2026-11-01')).toBe(true)
    expect(periodOver('2025-12', '2026-01-15')).toBe(true)
    expect(periodOver('2026-12', '2026-11-30')).toBe(false)
    expect(reviewBlock(task, '2026-10-31')).toBe('notOver')
    expect(reviewBlock(task, '2026-11-01')).toBeNull()
  })

  it('needs a finished run, and none queued or running', () => {
    expect(reviewBlock({ ...task, status: 'PENDING', run_no: 0 }, '2026-11-02')).toBe('noRun')
    expect(reviewBlock({ ...task, status: 'FAILED', run_no: 0 }, '2026-11-02')).toBe('noRun')
    expect(reviewBlock({ ...task, status: 'RUNNING', run_no: 2 }, '2026-11-02')).toBe('running')
    expect(reviewBlock({ ...task, status: 'PENDING', run_no: 2 }, '2026-11-02')).toBe('running')
    expect(reviewBlock({ ...task, status: 'FAILED', run_no: 2 }, '2026-11-02')).toBeNull()
  })

  it('is of a period that takes runs only while it is a draft', () => {
    expect(PERIOD_STATUSES.filter((s) => periodOpen({ period_status: s }))).toEqual(['DRAFT'])
  })
})
