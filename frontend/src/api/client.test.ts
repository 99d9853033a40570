import { afterEach, describe, expect, it, vi } from 'vitest'
import { authFetch, setAuthHandlers } from './client'

describe('the display board', () => {
  afterEach(() => {
    setAuthHandlers(null)
    vi.unstubAllGlobals()
  })

  it("keeps the display link's token: the staff session is neither sent nor ended by its 401", async () => {
    const sessionEnded = vi.fn()
    const refresh = vi.fn(async () => true)
    setAuthHandlers({ token: () => 'staff', ensureFresh: async () => undefined, refresh, sessionEnded })
    const sent: (string | null)[] = []
    vi.stubGlobal(
      'fetch',
      vi.fn(async (r: Request) => {
        sent.push(r.headers.get('Authorization'))
        return new Response(null, { status: 401 })
      }),
    )
    const r = await authFetch(
      new Request('http://localhost/api/v1/display/board', { headers: { Authorization: 'Bearer dsp_abc' } }),
    )
    expect(r.status).toBe(401)
    expect(sent).toEqual(['Bearer dsp_abc'])
    expect(refresh).not.toHaveBeenCalled()
    expect(sessionEnded).not.toHaveBeenCalled()
  })
})
