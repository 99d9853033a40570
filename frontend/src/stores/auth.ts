// The signed-in session: the token pair (kept in localStorage so a reload or a second tab stays signed in),
// who the user is, and silent refresh. Refresh tokens are single-use and rotate, so at most one refresh may
// be in flight: in this tab one shared promise, across tabs a Web Lock plus a re-read of the stored pair.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, ok, setAuthHandlers } from '@/api/client'
import { ApiError, toApiError } from '@/api/errors'
import type { Me, Role, TokenResponse } from '@/api/types'

export const SESSION_KEY = 'hospital.session'
/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 60_000

interface StoredSession {
  accessToken: string
  refreshToken: string
  /** epoch ms */
  expiresAt: number
}

function readStored(): StoredSession | null {
  try {
    const raw = localStorage.getItem(SESSION_KEY)
    if (!raw) return null
    const s = JSON.parse(raw) as Partial<StoredSession>
    if (typeof s.accessToken !== 'string' || typeof s.refreshToken !== 'string' || typeof s.expiresAt !== 'number') {
      return null
    }
    return s as StoredSession
  } catch {
    return null
  }
}

/** Runs `fn` under a cross-tab lock where the browser offers one (secure contexts), else directly. */
async function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined
  if (locks?.request) return locks.request(name, fn) as Promise<T>
  return fn()
}

export type EndReason = 'expired' | 'logout'

export const useAuthStore = defineStore('auth', () => {
  const accessToken = ref<string | null>(null)
  const refreshToken = ref<string | null>(null)
  const expiresAt = ref(0)
  const me = ref<Me | null>(null)
  /** Set when the server ended the session (shown on the login page). */
  const endedReason = ref<EndReason | null>(null)

  const isAuthenticated = computed(() => accessToken.value !== null)
  const role = computed<Role | null>(() => me.value?.role ?? null)

  let inflight: Promise<boolean> | null = null
  let timer: ReturnType<typeof setTimeout> | undefined
  let onEnded: ((reason: EndReason) => void) | null = null

  function schedule(): void {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    if (!refreshToken.value) return
    const delay = Math.max(expiresAt.value - Date.now() - REFRESH_MARGIN_MS, 5_000)
    timer = setTimeout(() => void refresh(), delay)
  }

  function adopt(s: StoredSession | null): void {
    accessToken.value = s?.accessToken ?? null
    refreshToken.value = s?.refreshToken ?? null
    expiresAt.value = s?.expiresAt ?? 0
    schedule()
  }

  function store(t: TokenResponse): void {
    const s: StoredSession = {
      accessToken: t.access_token,
      refreshToken: t.refresh_token,
      expiresAt: Date.now() + t.expires_in * 1000,
    }
    localStorage.setItem(SESSION_KEY, JSON.stringify(s))
    adopt(s)
  }

  function clear(): void {
    localStorage.removeItem(SESSION_KEY)
    adopt(null)
    me.value = null
  }

  async function doRefresh(): Promise<boolean> {
    return withLock('hospital-auth-refresh', async () => {
      // Another tab may have rotated the pair while we waited for the lock: use its result.
      const stored = readStored()
      if (stored && stored.refreshToken !== refreshToken.value) {
        adopt(stored)
        return true
      }
      if (!stored) {
        adopt(null)
        return false
      }
      const current = refreshToken.value
      if (!current) return false
      let response: Response
      try {
        response = await fetch('/api/v1/auth/refresh', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify({ refresh_token: current }),
        })
      } catch {
        // Offline or server down: keep the session, the next request tries again.
        return false
      }
      if (response.ok) {
        store((await response.json()) as TokenResponse)
        return true
      }
      if (response.status === 401 || response.status === 403) clear()
      return false
    })
  }

  /** Trades the refresh token for a new pair. Concurrent callers share one request. */
  function refresh(): Promise<boolean> {
    inflight ??= doRefresh().finally(() => {
      inflight = null
    })
    return inflight
  }

  async function ensureFresh(): Promise<void> {
    if (refreshToken.value && expiresAt.value - Date.now() < 5_000) await refresh()
  }

  function endSession(reason: EndReason): void {
    clear()
    endedReason.value = reason === 'expired' ? 'expired' : null
    onEnded?.(reason)
  }

  async function login(username: string, password: string): Promise<TokenResponse> {
    const response = await fetch('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ username, password }),
    }).catch((e: unknown) => {
      throw ApiError.network(e)
    })
    const body: unknown = await response.json().catch(() => null)
    if (!response.ok) throw toApiError(response.status, body)
    const tokens = body as TokenResponse
    store(tokens)
    endedReason.value = null
    await loadMe()
    return tokens
  }

  async function loadMe(): Promise<Me> {
    const data = await ok(api.GET('/api/v1/auth/me'))
    me.value = data
    return data
  }

  /** On start-up: resume a stored session (refreshing it when the access token has expired). */
  async function restore(): Promise<boolean> {
    const stored = readStored()
    if (!stored) return false
    adopt(stored)
    try {
      await loadMe()
      return true
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        // The stored session is over (expired or revoked while away).
        clear()
        endedReason.value = 'expired'
      }
      return me.value !== null
    }
  }

  async function logout(): Promise<void> {
    if (accessToken.value) {
      try {
        await api.POST('/api/v1/auth/logout')
      } catch {
        // The session is forgotten here whatever the server says.
      }
    }
    endSession('logout')
  }

  /** Another tab signed in, refreshed or signed out. */
  function syncFromStorage(e: StorageEvent): void {
    if (e.key !== SESSION_KEY) return
    const stored = readStored()
    if (stored) adopt(stored)
    else if (accessToken.value) endSession('logout')
  }

  function onSessionEnded(fn: (reason: EndReason) => void): void {
    onEnded = fn
  }

  setAuthHandlers({
    token: () => accessToken.value,
    ensureFresh,
    refresh,
    sessionEnded: () => endSession('expired'),
  })
  if (typeof window !== 'undefined') window.addEventListener('storage', syncFromStorage)

  return {
    accessToken,
    refreshToken,
    expiresAt,
    me,
    role,
    endedReason,
    isAuthenticated,
    login,
    loadMe,
    restore,
    logout,
    refresh,
    ensureFresh,
    endSession,
    onSessionEnded,
  }
})
