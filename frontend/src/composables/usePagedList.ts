// A server-paged list: page, page size, filters, loading and error state, and reloading.
import { reactive, ref, shallowRef, type Ref } from 'vue'
import { notifyError } from './feedback'

export interface PageQuery {
  page: number
  page_size: number
}

export interface PageResult<T> {
  items: T[]
  total: number
}

/** The filters as the fetcher gets them: empty ones ('', null) are left out, so none of them is ''. */
export type ListQuery<F> = { [K in keyof F]?: Exclude<F[K], '' | null> }

export function usePagedList<T, F extends object>(
  fetcher: (query: PageQuery & ListQuery<F>) => Promise<PageResult<T>>,
  initialFilters: F,
  pageSize = 20,
) {
  const items = shallowRef<T[]>([]) as Ref<T[]>
  const total = ref(0)
  const page = ref(1)
  const size = ref(pageSize)
  const filters = reactive({ ...initialFilters }) as F
  const loading = ref(false)
  const failed = ref(false)
  let seq = 0

  async function load(): Promise<void> {
    const mine = ++seq
    loading.value = true
    failed.value = false
    try {
      const cleaned = Object.fromEntries(
        Object.entries(filters as Record<string, unknown>).filter(([, v]) => v !== '' && v !== null && v !== undefined),
      ) as ListQuery<F>
      const result = await fetcher({ ...cleaned, page: page.value, page_size: size.value })
      if (mine !== seq) return
      items.value = result.items
      total.value = result.total
    } catch (e) {
      if (mine !== seq) return
      failed.value = true
      items.value = []
      total.value = 0
      notifyError(e)
    } finally {
      if (mine === seq) loading.value = false
    }
  }

  /** New filters: back to page 1. */
  function search(): Promise<void> {
    page.value = 1
    return load()
  }

  function reset(): Promise<void> {
    Object.assign(filters as object, initialFilters)
    return search()
  }

  function onPageChange(p: number): void {
    page.value = p
    void load()
  }

  function onSizeChange(s: number): void {
    size.value = s
    page.value = 1
    void load()
  }

  /** el-table's `sort-change` with `sortable="custom"`: the server sorts by `sort=name` / `sort=-name`. */
  function onSortChange(e: { prop: string | null; order: 'ascending' | 'descending' | null }): void {
    const f = filters as Record<string, unknown>
    f.sort = e.prop && e.order ? `${e.order === 'descending' ? '-' : ''}${e.prop}` : ''
    void search()
  }

  // reactive(): templates and callers read `list.items`, `list.loading` without `.value`.
  return reactive({
    items,
    total,
    page,
    size,
    filters,
    loading,
    failed,
    load,
    search,
    reset,
    onPageChange,
    onSizeChange,
    onSortChange,
  })
}

/** What `usePagedList` returns, for the components that draw such a list. */
export type PagedList<T, F extends object> = ReturnType<typeof usePagedList<T, F>>
