// The typed API client (openapi-fetch over the generated schema). Every request carries the access token;
// a 401 triggers one shared refresh and a single retry; a failed refresh ends the session.
import createClient from 'openapi-fetch'
import type { paths } from './schema'
import { ApiError, toApiError } from './errors'

export interface AuthHandlers {
  /** The current access token, or null when signed out. */
  token(): string | null
  /** Refreshes the token pair if it is about to expire. Never throws. */
  ensureFresh(): Promise<void>
  /** Trades the refresh token for a new pair; resolves false when the session is over. Shared by callers. */
  refresh(): Promise<boolean>
  /** The session is over (refresh refused): forget it and go to the login page. */
  sessionEnded(): void
}

let handlers: AuthHandlers | null = null

export function setAuthHandlers(h: AuthHandlers | null): void {
  handlers = h
}

// The display board carries a display link's token of its own (set by the caller), never the staff session's.
const UNAUTHENTICATED = ['/api/v1/auth/login', '/api/v1/auth/refresh', '/api/v1/display/board']

function needsAuth(url: string): boolean {
  const path = new URL(url, 'http://x').pathname
  return !UNAUTHENTICATED.includes(path)
}

/** fetch with the bearer token, refresh-and-retry on 401. Also used for downloads (xlsx). */
export async function authFetch(input: Request): Promise<Response> {
  if (!handlers || !needsAuth(input.url)) return fetch(input)
  await handlers.ensureFresh()
  // Keep an unread copy: the body of `input` is consumed by the first attempt.
  const retry = input.clone()
  const sent = handlers.token()
  if (sent) input.headers.set('Authorization', `Bearer ${sent}`)
  const response = await fetch(input)
  if (response.status !== 401 || !sent) return response
  // Another request may have refreshed while this one was in flight: then just retry with the new token.
  const ok = handlers.token() !== sent || (await handlers.refresh())
  const token = handlers.token()
  if (!ok || !token) {
    handlers.sessionEnded()
    return response
  }
  retry.headers.set('Authorization', `Bearer ${token}`)
  const second = await fetch(retry)
  if (second.status === 401) handlers.sessionEnded()
  return second
}

/**
 * The access token for a request made outside fetch (an upload with progress), refreshed first when it is
 * about to expire; `renew` trades the refresh token for a new one after a 401 (null: the session is over).
 */
export async function accessToken(renew = false): Promise<string | null> {
  if (!handlers) return null
  if (renew) {
    if (!(await handlers.refresh())) {
      handlers.sessionEnded()
      return null
    }
  } else {
    await handlers.ensureFresh()
  }
  return handlers.token()
}

export const api = createClient<paths>({ baseUrl: '', fetch: (r) => authFetch(r) })

type Result<T> = { data?: T; error?: unknown; response: Response }

/**
 * Awaits an openapi-fetch call and returns its data, or throws an ApiError (problem JSON or network).
 * `ok<T>(api.GET('/api/v1/departments', …))`.
 */
export async function ok<T>(call: Promise<Result<T>>): Promise<T> {
  let result: Result<T>
  try {
    result = await call
  } catch (e) {
    throw e instanceof ApiError ? e : ApiError.network(e)
  }
  if (result.error !== undefined || !result.response.ok) {
    throw toApiError(result.response.status, result.error)
  }
  return result.data as T
}
