import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { SESSION_KEY, useAuthStore } from './auth'
import { api, ok } from '@/api/client'

const ME = {
  id: 2,
  username: 'frontdesk',
  display_name: '前台 王静',
  role: 'FRONT_DESK',
  hospital: { id: 1, code: 'H001', name: '阳光社区卫生服务中心' },
  password_expired: false,
  password_policy: 'asvs',
}

function json(status: number, body: unknown): Response {
  return new Response(body === null ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' },
  })
}

function tokens(n: number) {
  return { access_token: `access-${n}`, refresh_token: `refresh-${n}`, token_type: 'Bearer', expires_in: 900, password_expired: false }
}

function problem(status: number, code: string) {
  return { type: 'about:blank', title: code, status, detail: code, code }
}

/** A fake server: a valid access token, and single-use refresh tokens that rotate. */
function fakeServer() {
  let generation = 1
  let valid = 'access-1'
  let refreshable = 'refresh-1'
  const calls: string[] = []
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(String(input), init)
    const path = new URL(request.url).pathname
    calls.push(path)
    if (path === '/api/v1/auth/login') return json(200, tokens(generation))
    if (path === '/api/v1/auth/refresh') {
      const { refresh_token: presented } = (await request.json()) as { refresh_token: string }
      await new Promise((r) => setTimeout(r, 5))
      if (presented !== refreshable) return json(401, problem(401, 'UNAUTHORIZED'))
      generation += 1
      valid = `access-${generation}`
      refreshable = `refresh-${generation}`
      return json(200, tokens(generation))
    }
    if (request.headers.get('Authorization') !== `Bearer ${valid}`) return json(401, problem(401, 'UNAUTHORIZED'))
    if (path === '/api/v1/auth/me') return json(200, ME)
    if (path === '/api/v1/auth/logout') return json(204, null)
    return json(200, { items: [], total: 0, page: 1, page_size: 20 })
  })
  return {
    fetch,
    calls,
    expireAccess: () => (valid = 'nobody'),
    revoke: () => {
      valid = 'nobody'
      refreshable = 'nobody'
    },
    refreshCount: () => calls.filter((c) => c === '/api/v1/auth/refresh').length,
  }
}

describe('auth store', () => {
  let server: ReturnType<typeof fakeServer>

  beforeEach(() => {
    localStorage.clear()
    setActivePinia(createPinia())
    server = fakeServer()
    vi.stubGlobal('fetch', server.fetch)
  })

  afterEach(() => {
    vi.unstubAllGlobals()
    vi.useRealTimers()
  })

  it('signs in, keeps the pair for reloads, and learns who the user is', async () => {
    const auth = useAuthStore()
    await auth.login('frontdesk', 'demo-pass-2026')
    expect(auth.role).toBe('FRONT_DESK')
    expect(auth.me?.hospital.code).toBe('H001')
    const stored = JSON.parse(localStorage.getItem(SESSION_KEY) ?? '{}')
    expect(stored.refreshToken).toBe('refresh-1')
    expect(stored.expiresAt).toBeGreaterThan(Date.now())
  })

  it('refreshes once for many requests that meet an expired token, and retries them', async () => {
    const auth = useAuthStore()
    await auth.login('frontdesk', 'x')
    server.expireAccess()
    const pages = await Promise.all(
      Array.from({ length: 5 }, () => ok(api.GET('/api/v1/departments', { params: { query: { page: 1 } } }))),
    )
    expect(pages).toHaveLength(5)
    expect(server.refreshCount()).toBe(1)
    expect(auth.accessToken).toBe('access-2')
    expect(auth.refreshToken).toBe('refresh-2')
  })

  it('shares one refresh between concurrent callers', async () => {
    const auth = useAuthStore()
    await auth.login('frontdesk', 'x')
    const results = await Promise.all([auth.refresh(), auth.refresh(), auth.refresh()])
    expect(results).toEqual([true, true, true])
    expect(server.refreshCount()).toBe(1)
    // Later ones rotate again, with the new token.
    expect(await auth.refresh()).toBe(true)
    expect(server.refreshCount()).toBe(2)
    expect(auth.refreshToken).toBe('refresh-3')
  })

  it('adopts a pair another tab rotated instead of reusing a spent refresh token', async () => {
    const auth = useAuthStore()
    await auth.login('frontdesk', 'x')
    // Another tab refreshed: the stored pair is newer than this tab's.
    const other = { accessToken: 'access-9', refreshToken: 'refresh-9', expiresAt: Date.now() + 900_000 }
    localStorage.setItem(SESSION_KEY, JSON.stringify(other))
    expect(await auth.refresh()).toBe(true)
    expect(server.refreshCount()).toBe(0)
    expect(auth.accessToken).toBe('access-9')
  })

  it('ends the session when the server refuses the refresh, and says so', async () => {
    const auth = useAuthStore()
    const ended = vi.fn()
    auth.onSessionEnded(ended)
    await auth.login('frontdesk', 'x')
    server.revoke()
    await expect(ok(api.GET('/api/v1/departments'))).rejects.toMatchObject({ status: 401 })
    expect(ended).toHaveBeenCalledWith('expired')
    expect(auth.isAuthenticated).toBe(false)
    expect(auth.endedReason).toBe('expired')
    expect(localStorage.getItem(SESSION_KEY)).toBeNull()
  })

  it('refreshes ahead of time when the access token is about to expire', async () => {
    const auth = useAuthStore()
    await auth.login('frontdesk', 'x')
    auth.expiresAt = Date.now() + 1000
    await ok(api.GET('/api/v1/departments'))
    expect(server.refreshCount()).toBe(1)
    expect(server.calls.filter((c) => c === '/api/v1/departments')).toHaveLength(1)
  })

  it('resumes a stored session after a reload', async () => {
    await useAuthStore().login('frontdesk', 'x')
    setActivePinia(createPinia())
    const fresh = useAuthStore()
    expect(await fresh.restore()).toBe(true)
    expect(fresh.me?.username).toBe('frontdesk')
  })

  it('signs out: tells the server and forgets the pair', async () => {
    const auth = useAuthStore()
    const ended = vi.fn()
    auth.onSessionEnded(ended)
    await auth.login('frontdesk', 'x')
    await auth.logout()
    expect(server.calls).toContain('/api/v1/auth/logout')
    expect(ended).toHaveBeenCalledWith('logout')
    expect(auth.endedReason).toBeNull()
    expect(localStorage.getItem(SESSION_KEY)).toBeNull()
  })

  it('reports wrong credentials as UNAUTHORIZED', async () => {
    server.fetch.mockImplementationOnce(async () => json(401, problem(401, 'UNAUTHORIZED')))
    await expect(useAuthStore().login('frontdesk', 'wrong')).rejects.toMatchObject({ code: 'UNAUTHORIZED' })
  })
})
