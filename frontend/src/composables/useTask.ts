// One calculation task, kept current: read once, then polled about every second while it is queued or
// running, so the progress bar and the step log follow the background run. Polling stops when the task
// finishes or the screen closes.
import { onScopeDispose, ref, shallowRef, watch } from 'vue'
import { api, ok } from '@/api/client'
import type { CalculationTask } from '@/api/types'
import { isActive } from '@/utils/accounting'
import { notifyError } from './feedback'

export function useTask(
  id: () => number,
  options: { interval?: number; onFinished?: (task: CalculationTask) => void } = {},
) {
  const interval = options.interval ?? 1000
  const task = shallowRef<CalculationTask | null>(null)
  const failed = ref(false)
  const loading = ref(false)
  let timer: ReturnType<typeof setTimeout> | null = null
  let seq = 0
  let closed = false

  function stop(): void {
    if (timer) clearTimeout(timer)
    timer = null
  }

  async function load(): Promise<void> {
    stop()
    const mine = ++seq
    const wasActive = isActive(task.value)
    loading.value = task.value === null
    try {
      const next = await ok(api.GET('/api/v1/calculation-tasks/{id}', { params: { path: { id: id() } } }))
      if (mine !== seq || closed) return
      task.value = next
      failed.value = false
      if (wasActive && !isActive(next)) options.onFinished?.(next)
    } catch (e) {
      if (mine !== seq || closed) return
      // A poll that fails once (a network blip) tries again; a first load that fails says so.
      if (task.value === null) {
        failed.value = true
        notifyError(e)
        return
      }
    } finally {
      if (mine === seq) loading.value = false
    }
    if (!closed && mine === seq && isActive(task.value)) timer = setTimeout(() => void load(), interval)
  }

  /** After the task was queued again (re-run): show it as queued and follow it. */
  function follow(next: CalculationTask): void {
    task.value = next
    void load()
  }

  watch(id, () => {
    task.value = null
    void load()
  })

  // The screen's (or any effect scope's) end stops the polling.
  onScopeDispose(() => {
    closed = true
    stop()
  })

  return { task, failed, loading, load, follow }
}
