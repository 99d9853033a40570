import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from './errors'

const accessToken = vi.fn<(renew?: boolean) => Promise<string | null>>()
vi.mock('./client', () => ({ accessToken: (renew?: boolean) => accessToken(renew) }))
const { uploadFile } = await import('./upload')

interface Answer {
  status: number
  body: unknown
}

/** A stand-in for XMLHttpRequest: records what is sent, reports progress, answers from a queue. */
class FakeXhr {
  static answers: Answer[] = []
  static sent: Array<{ url: string; headers: Record<string, string>; body: FormData }> = []
  upload: { onprogress: ((e: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = {
    onprogress: null,
  }
  onload: (() => void) | null = null
  onerror: (() => void) | null = null
  onabort: (() => void) | null = null
  status = 0
  responseText = ''
  private url = ''
  private headers: Record<string, string> = {}

  open(_method: string, url: string): void {
    this.url = url
  }
  setRequestHeader(name: string, value: string): void {
    this.headers[name] = value
  }
  abort(): void {
    this.onabort?.()
  }
  send(body: FormData): void {
    FakeXhr.sent.push({ url: this.url, headers: this.headers, body })
    const answer = FakeXhr.answers.shift()
    setTimeout(() => {
      this.upload.onprogress?.({ lengthComputable: true, loaded: 50, total: 100 })
      if (!answer) return this.onerror?.()
      this.status = answer.status
      this.responseText = answer.body === undefined ? '' : JSON.stringify(answer.body)
      this.onload?.()
    }, 0)
  }
}

const file = new File(['node_code,item_code\n'], 'mappings.csv', { type: 'text/csv' })

describe('uploads', () => {
  beforeEach(() => {
    FakeXhr.answers = []
    FakeXhr.sent = []
    accessToken.mockReset()
    vi.stubGlobal('XMLHttpRequest', FakeXhr)
  })
  afterEach(() => vi.unstubAllGlobals())

  it('posts the file with the token and reports progress up to 100 %', async () => {
    accessToken.mockResolvedValue('t1')
    FakeXhr.answers.push({ status: 200, body: { rows: 1, inserted: 1, already_present: 0 } })
    const seen: number[] = []
    const result = await uploadFile('/api/v1/x', file, { onProgress: (p) => seen.push(p.percent) })
    expect(result).toEqual({ rows: 1, inserted: 1, already_present: 0 })
    expect(seen).toEqual([50, 100])
    expect(FakeXhr.sent[0]?.headers.Authorization).toBe('Bearer t1')
    expect((FakeXhr.sent[0]?.body.get('file') as File).name).toBe('mappings.csv')
  })

  it('refreshes the token once after a 401 and sends again', async () => {
    accessToken.mockImplementation(async (renew) => (renew ? 't2' : 't1'))
    FakeXhr.answers.push({ status: 401, body: { status: 401, code: 'UNAUTHORIZED', type: '', title: '', detail: '' } })
    FakeXhr.answers.push({ status: 200, body: { ok: true } })
    await expect(uploadFile('/api/v1/x', file)).resolves.toEqual({ ok: true })
    expect(FakeXhr.sent.map((s) => s.headers.Authorization)).toEqual(['Bearer t1', 'Bearer t2'])
  })

  it('turns a refused file into an ApiError carrying its row report', async () => {
    accessToken.mockResolvedValue('t1')
    FakeXhr.answers.push({
      status: 422,
      body: {
        type: 'about:blank',
        title: 'Import rejected',
        status: 422,
        detail: '1 problem',
        code: 'IMPORT_REJECTED',
        report: { rows: 2, error_count: 1, errors_not_listed: 0, errors: [{ row: 3, field: 'amount', reason: 'bad' }] },
      },
    })
    const error = await uploadFile('/api/v1/imports/charges', file).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).code).toBe('IMPORT_REJECTED')
    expect((error as ApiError).report).toEqual([{ row: 3, field: 'amount', reason: 'bad' }])
  })

  it('says so when the network fails', async () => {
    accessToken.mockResolvedValue(null)
    const error = await uploadFile('/api/v1/x', file).catch((e: unknown) => e)
    expect((error as ApiError).code).toBe('NETWORK')
    expect(FakeXhr.sent[0]?.headers.Authorization).toBeUndefined()
  })
})
