import { beforeEach, describe, expect, it, vi } from 'vitest'
import { confirmDelete } from './confirmDelete'
import { confirmAction, notifyError, notifySuccess } from './feedback'

vi.mock('./feedback', () => ({ confirmAction: vi.fn(), notifyError: vi.fn(), notifySuccess: vi.fn() }))

describe('confirm, then delete', () => {
  beforeEach(() => vi.clearAllMocks())

  it('does nothing when the user declines', async () => {
    vi.mocked(confirmAction).mockResolvedValue(false)
    const remove = vi.fn()
    const done = vi.fn()
    await confirmDelete('sure?', remove, done)
    expect(remove).not.toHaveBeenCalled()
    expect(done).not.toHaveBeenCalled()
  })

  it('deletes, says how, and reloads', async () => {
    vi.mocked(confirmAction).mockResolvedValue(true)
    const done = vi.fn()
    await confirmDelete('sure?', async () => ({ outcome: 'DEACTIVATED' }), done)
    expect(notifySuccess).toHaveBeenCalledTimes(1)
    expect(done).toHaveBeenCalledTimes(1)
  })

  it('takes an empty answer (204) as deleted', async () => {
    vi.mocked(confirmAction).mockResolvedValue(true)
    const done = vi.fn()
    await confirmDelete('sure?', async () => undefined, done)
    expect(notifySuccess).toHaveBeenCalledWith('已删除')
    expect(done).toHaveBeenCalledTimes(1)
  })

  it('shows a failure and does not reload', async () => {
    vi.mocked(confirmAction).mockResolvedValue(true)
    const done = vi.fn()
    await confirmDelete('sure?', () => Promise.reject(new Error('down')), done)
    expect(notifyError).toHaveBeenCalledTimes(1)
    expect(done).not.toHaveBeenCalled()
  })
})
