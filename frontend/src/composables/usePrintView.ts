import { onMounted, ref, type Ref } from 'vue'
import { notifyError } from '@/composables/feedback'

/**
 * The load of a print view's sheet as the view opens: `loading` until it ends, a failure notified (the page then
 * shows PrintPage's not-found note).
 */
export function usePrintView(load: () => Promise<void>): { loading: Ref<boolean> } {
  const loading = ref(true)
  onMounted(async () => {
    try {
      await load()
    } catch (e) {
      notifyError(e)
    } finally {
      loading.value = false
    }
  })
  return { loading }
}
