import { effectScope, nextTick, ref } from 'vue'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { CalculationTask } from '@/api/types'

const get = vi.fn()
vi.mock('@/api/client', () => ({
  api: { GET: (...args: unknown[]) => get(...args) },
  ok: async (call: Promise<{ data: unknown }>) => (await call).data,
}))
vi.mock('./feedback', () => ({ notifyError: vi.fn() }))

const { useTask } = await import('./useTask')

function task(status: CalculationTask['status'], progress: number, id = 7): { data: CalculationTask } {
  return {
    data: {
      id,
      period: '2026-11',
      model_version_id: 1,
      workflow_id: 1,
      status,
      progress,
      has_details: false,
      run_no: status === 'SUCCEEDED' ? 1 : 0,
      created_at: '2026-11-22T00:00:00Z',
      period_status: 'DRAFT',
      period_run: false,
      origin: 'MANUAL',
    },
  }
}

/** Lets the pending request settle, then moves the clock past one polling interval. */
async function tick(ms = 1000): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms)
  await nextTick()
}

describe('following a task', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    get.mockReset()
  })
  afterEach(() => vi.useRealTimers())

  it('polls about every second while the task is queued or running, then stops and says it finished', async () => {
    get
      .mockResolvedValueOnce(task('PENDING', 0))
      .mockResolvedValueOnce(task('RUNNING', 40))
      .mockResolvedValueOnce(task('SUCCEEDED', 100))
    const finished = vi.fn()
    const scope = effectScope()
    const t = scope.run(() => useTask(() => 7, { onFinished: finished }))!
    await t.load()
    expect(t.task.value?.status).toBe('PENDING')
    await tick()
    expect(t.task.value?.progress).toBe(40)
    await tick()
    expect(t.task.value?.status).toBe('SUCCEEDED')
    expect(finished).toHaveBeenCalledTimes(1)
    await tick(5000)
    expect(get).toHaveBeenCalledTimes(3)
    scope.stop()
  })

  it('does not poll a finished task, nor report its end again', async () => {
    get.mockResolvedValue(task('SUCCEEDED', 100))
    const finished = vi.fn()
    const scope = effectScope()
    const t = scope.run(() => useTask(() => 7, { onFinished: finished }))!
    await t.load()
    await tick(5000)
    expect(get).toHaveBeenCalledTimes(1)
    expect(finished).not.toHaveBeenCalled()
    scope.stop()
  })

  it('follows a re-run, keeps polling through a failed poll, and stops when the screen closes', async () => {
    get.mockResolvedValueOnce(task('SUCCEEDED', 100))
    const scope = effectScope()
    const t = scope.run(() => useTask(() => 7))!
    await t.load()
    get.mockRejectedValueOnce(new Error('network')).mockResolvedValue(task('RUNNING', 10))
    t.follow(task('PENDING', 0).data)
    await tick(0)
    // The failed poll keeps what is known and tries again a second later.
    expect(t.task.value?.status).toBe('PENDING')
    await tick()
    expect(t.task.value?.progress).toBe(10)
    const calls = get.mock.calls.length
    scope.stop()
    await tick(5000)
    expect(get).toHaveBeenCalledTimes(calls)
  })

  it('starts over for another task', async () => {
    get.mockResolvedValueOnce(task('SUCCEEDED', 100, 7)).mockResolvedValueOnce(task('FAILED', 60, 8))
    const id = ref(7)
    const scope = effectScope()
    const t = scope.run(() => useTask(() => id.value))!
    await t.load()
    id.value = 8
    await tick(0)
    expect(t.task.value?.id).toBe(8)
    expect(t.task.value?.status).toBe('FAILED')
    scope.stop()
  })
})
