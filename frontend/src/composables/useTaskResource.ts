// One of a calculation task's documents (its results matrix, value summary or orientation adjustments):
// read when the screen opens, with its loading state and, when it could not be read, why in plain words.
import { onMounted, ref, shallowRef, type Ref } from 'vue'
import { errorMessage } from './feedback'

export function useTaskResource<T>(read: () => Promise<T>, options: { onRead?: (data: T) => void } = {}) {
  const data = shallowRef<T | null>(null) as Ref<T | null>
  const loading = ref(false)
  const problem = ref('')

  async function load(): Promise<void> {
    loading.value = true
    try {
      const next = await read()
      data.value = next
      options.onRead?.(next)
      problem.value = ''
    } catch (e) {
      data.value = null
      problem.value = errorMessage(e)
    } finally {
      loading.value = false
    }
  }

  onMounted(() => void load())

  return { data, loading, problem, load }
}
