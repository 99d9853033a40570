// Errors as the SPA sees them: the server's problem JSON (RFC 9457), or a network failure.
import type { FieldError, Problem, RowProblem } from './types'

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly detail: string
  readonly fieldErrors: FieldError[]
  /** The rows of a refused upload (`IMPORT_REJECTED`) and what is wrong with each. */
  readonly report: RowProblem[]

  constructor(status: number, code: string, detail: string, fieldErrors: FieldError[] = [], report: RowProblem[] = []) {
    super(`${status} ${code}: ${detail}`)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.detail = detail
    this.fieldErrors = fieldErrors
    this.report = report
  }

  static network(cause: unknown): ApiError {
    const e = new ApiError(0, 'NETWORK', cause instanceof Error ? cause.message : String(cause))
    return e
  }
}

export function isProblem(body: unknown): body is Problem {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as Problem).status === 'number' &&
    typeof (body as Problem).code === 'string'
  )
}

/** An ApiError from whatever an error response carried. */
export function toApiError(status: number, body: unknown): ApiError {
  if (isProblem(body)) {
    return new ApiError(
      body.status || status,
      body.code,
      body.detail ?? body.title ?? '',
      body.errors ?? [],
      body.report ?? [],
    )
  }
  const code = status === 401 ? 'UNAUTHORIZED' : status === 403 ? 'FORBIDDEN' : status === 404 ? 'NOT_FOUND' : 'HTTP_ERROR'
  return new ApiError(status, code, typeof body === 'string' ? body : '')
}

/**
 * Field errors keyed by field path. The server names fields as the request body does (`id_card`,
 * `lines[0].capacity`); several messages for one field are joined.
 */
export function fieldErrorMap(errors: FieldError[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const { field, message } of errors) out[field] = out[field] ? `${out[field]}; ${message}` : message
  return out
}
