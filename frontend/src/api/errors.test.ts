import { describe, expect, it } from 'vitest'
import { ApiError, fieldErrorMap, isProblem, toApiError } from './errors'

describe('problem JSON', () => {
  it('becomes an ApiError with its code and field errors', () => {
    const e = toApiError(422, {
      type: 'about:blank',
      title: 'Validation failed',
      status: 422,
      detail: 'the request is not valid',
      code: 'VALIDATION_FAILED',
      errors: [
        { field: 'document_no', message: 'the check digit does not match' },
        { field: 'lines[0].capacity', message: 'must be between 1 and 500' },
      ],
    })
    expect(e).toBeInstanceOf(ApiError)
    expect(e.code).toBe('VALIDATION_FAILED')
    expect(e.status).toBe(422)
    expect(fieldErrorMap(e.fieldErrors)).toEqual({
      document_no: 'the check digit does not match',
      'lines[0].capacity': 'must be between 1 and 500',
    })
  })

  it('carries the report of a refused upload, in either shape', () => {
    const rows = [{ row: 3, field: 'node_code', reason: 'no such node' }]
    const base = { type: 'about:blank', title: 'Import rejected', status: 422, detail: '', code: 'IMPORT_REJECTED' }
    const listed = toApiError(422, { ...base, report: rows })
    expect(listed.report).toEqual(rows)
    expect(listed.reportCount).toBe(1)
    const counted = toApiError(422, { ...base, report: { rows: 5000, error_count: 1200, errors_not_listed: 200, errors: rows } })
    expect(counted.report).toEqual(rows)
    expect(counted.reportCount).toBe(1200)
    expect(toApiError(422, base).report).toEqual([])
  })

  it('carries the record a 409 collided with', () => {
    const conflict = { resource: 'APPOINTMENT' as const, id: 31, schedule_date: '2026-12-04', time_slot: 'MORNING' as const, queue_no: 3 }
    const base = { type: 'about:blank', title: 'Already exists', status: 409, detail: '', code: 'DUPLICATE' }
    expect(toApiError(409, { ...base, conflict }).conflict).toEqual(conflict)
    expect(toApiError(409, base).conflict).toBeNull()
  })

  it('joins several messages for one field', () => {
    expect(
      fieldErrorMap([
        { field: 'phone', message: 'a' },
        { field: 'phone', message: 'b' },
      ]),
    ).toEqual({ phone: 'a; b' })
  })

  it('falls back on the status when the body is not a problem', () => {
    expect(isProblem('oops')).toBe(false)
    expect(toApiError(403, 'oops').code).toBe('FORBIDDEN')
    expect(toApiError(502, null).code).toBe('HTTP_ERROR')
    expect(ApiError.network(new TypeError('Failed to fetch')).code).toBe('NETWORK')
  })
})
