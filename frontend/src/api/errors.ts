// Errors as the SPA sees them: the server's problem JSON (RFC 9457), or a network failure.
import type { Conflict, FieldError, Problem, RowProblem } from './types'

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly detail: string
  readonly fieldErrors: FieldError[]
  /** The rows of a refused upload (`IMPORT_REJECTED`) and what is wrong with each (perhaps not all of them). */
  readonly report: RowProblem[]
  /** How many problems the refused upload has, listed or not. */
  readonly reportCount: number
  /** The record a 409 collided with (the patient holding an identity number, a patient's booking), if named. */
  readonly conflict: Conflict | null

  constructor(
    status: number,
    code: string,
    detail: string,
    fieldErrors: FieldError[] = [],
    report: RowProblem[] = [],
    reportCount = report.length,
    conflict: Conflict | null = null,
  ) {
    super(`${status} ${code}: ${detail}`)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.detail = detail
    this.fieldErrors = fieldErrors
    this.report = report
    this.reportCount = reportCount
    this.conflict = conflict
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

/**
 * The report of a refused upload: a list of rows (mappings), or `{ errors, error_count, … }` (imports, which
 * list at most 1000 problems).
 */
function reportOf(report: unknown): { rows: RowProblem[]; count: number } {
  if (Array.isArray(report)) return { rows: report as RowProblem[], count: report.length }
  if (typeof report === 'object' && report !== null) {
    const r = report as { errors?: unknown; error_count?: unknown }
    const rows = Array.isArray(r.errors) ? (r.errors as RowProblem[]) : []
    return { rows, count: typeof r.error_count === 'number' ? r.error_count : rows.length }
  }
  return { rows: [], count: 0 }
}

/** An ApiError from whatever an error response carried. */
export function toApiError(status: number, body: unknown): ApiError {
  if (isProblem(body)) {
    const report = reportOf((body as { report?: unknown }).report)
    return new ApiError(
      body.status || status,
      body.code,
      body.detail ?? body.title ?? '',
      body.errors ?? [],
      report.rows,
      report.count,
      body.conflict ?? null,
    )
  }
  const code = status === 401 ? 'UNAUTHORIZED' : status === 403 ? 'FORBIDDEN' : status === 404 ? 'NOT_FOUND' : 'HTTP_ERROR'
  return new ApiError(status, code, typeof body === 'string' ? body : '')
}

/**
 * Field errors keyed by field path. The server names fields as the request body does (`document_no`,
 * `lines[0].capacity`); several messages for one field are joined.
 */
export function fieldErrorMap(errors: FieldError[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const { field, message } of errors) out[field] = out[field] ? `${out[field]}; ${message}` : message
  return out
}
