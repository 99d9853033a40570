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
        { field: 'id_card', message: 'the check digit does not match' },
        { field: 'lines[0].capacity', message: 'must be between 1 and 500' },
      ],
    })
    expect(e).toBeInstanceOf(ApiError)
    expect(e.code).toBe('VALIDATION_FAILED')
    expect(e.status).toBe(422)
    expect(fieldErrorMap(e.fieldErrors)).toEqual({
      id_card: 'the check digit does not match',
      'lines[0].capacity': 'must be between 1 and 500',
    })
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
