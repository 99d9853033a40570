// The cashier's day (收费日结) of one date, loaded for the screen and its print view.
import { ref } from 'vue'
import { api, ok } from '@/api/client'
import type { DailySettlement } from '@/api/types'
import { notifyError } from './feedback'

export function useSettlement() {
  const settlement = ref<DailySettlement | null>(null)
  const loading = ref(false)
  const failed = ref(false)

  async function load(day: string): Promise<void> {
    loading.value = true
    failed.value = false
    try {
      settlement.value = await ok(api.GET('/api/v1/settlements', { params: { query: { day } } }))
    } catch (e) {
      settlement.value = null
      failed.value = true
      notifyError(e)
    } finally {
      loading.value = false
    }
  }

  return { settlement, loading, failed, load }
}
