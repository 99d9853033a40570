import { describe, expect, it, vi } from 'vitest'
import { usePagedList } from './usePagedList'

vi.mock('./feedback', () => ({ notifyError: vi.fn() }))

describe('paged lists', () => {
  it('sends page, size and non-empty filters; a new search starts on page 1', async () => {
    const fetcher = vi.fn(async () => ({ items: [1, 2], total: 42 }))
    const list = usePagedList(fetcher, { q: '', status: '' as string, sort: 'name' })
    list.onPageChange(3)
    await vi.waitFor(() => expect(fetcher).toHaveBeenCalledTimes(1))
    expect(fetcher).toHaveBeenLastCalledWith({ page: 3, page_size: 20, sort: 'name' })
    list.filters.q = '王'
    await list.search()
    expect(fetcher).toHaveBeenLastCalledWith({ page: 1, page_size: 20, q: '王', sort: 'name' })
    expect(list.items).toEqual([1, 2])
    expect(list.total).toBe(42)
  })

  it('sorts through el-table sort events', async () => {
    const fetcher = vi.fn(async () => ({ items: [], total: 0 }))
    const list = usePagedList(fetcher, { sort: '' })
    list.onSortChange({ prop: 'created_at', order: 'descending' })
    await vi.waitFor(() => expect(fetcher).toHaveBeenLastCalledWith({ page: 1, page_size: 20, sort: '-created_at' }))
  })

  it('keeps only the answer to the latest request', async () => {
    let release: (v: { items: string[]; total: number }) => void = () => undefined
    const slow = new Promise<{ items: string[]; total: number }>((r) => (release = r))
    const fetcher = vi
      .fn()
      .mockReturnValueOnce(slow)
      .mockResolvedValueOnce({ items: ['new'], total: 1 })
    const list = usePagedList<string, object>(fetcher, {})
    const first = list.load()
    await list.load()
    release({ items: ['old'], total: 1 })
    await first
    expect(list.items).toEqual(['new'])
    expect(list.loading).toBe(false)
  })

  it('shows a failed load as empty and failed', async () => {
    const list = usePagedList(vi.fn().mockRejectedValue(new Error('down')), {})
    await list.load()
    expect(list.failed).toBe(true)
    expect(list.items).toEqual([])
  })
})
