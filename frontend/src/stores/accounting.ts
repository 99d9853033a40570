// The accounting workflows (standard, and legacy without calculation details), loaded once per session, and
// the model versions: the task screens name a task's workflow, its steps and its model version.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, ok } from '@/api/client'
import type { ModelVersion, Workflow } from '@/api/types'

export const useAccountingStore = defineStore('accounting', () => {
  const workflows = ref<Workflow[]>([])
  let workflowsLoad: Promise<void> | null = null

  const defaultWorkflow = computed(() => workflows.value.find((w) => w.is_default) ?? workflows.value[0] ?? null)
  const workflow = computed(() => {
    const byId = new Map(workflows.value.map((w) => [w.id, w]))
    return (id: number | null | undefined) => (id == null ? undefined : byId.get(id))
  })

  const versions = ref<ModelVersion[]>([])
  let versionsLoad: Promise<void> | null = null
  const activeVersion = computed(() => versions.value.find((v) => v.is_active) ?? null)
  const versionName = computed(() => {
    const names = new Map(versions.value.map((v) => [v.id, v.name]))
    return (id: number | null | undefined) => (id == null ? '' : (names.get(id) ?? `#${id}`))
  })

  /** The model versions (newest first); `force` after one was created, copied or activated. */
  function loadVersions(force = false): Promise<void> {
    if (force) versionsLoad = null
    versionsLoad ??= ok(api.GET('/api/v1/model-versions', { params: { query: { page_size: 200, sort: '-created_at' } } }))
      .then((page) => {
        versions.value = page.items
      })
      .catch((e: unknown) => {
        versionsLoad = null
        throw e
      })
    return versionsLoad
  }

  function loadWorkflows(): Promise<void> {
    workflowsLoad ??= ok(api.GET('/api/v1/calculation-workflows'))
      .then((list) => {
        workflows.value = list
      })
      .catch((e: unknown) => {
        workflowsLoad = null
        throw e
      })
    return workflowsLoad
  }

  return { workflows, defaultWorkflow, workflow, loadWorkflows, versions, activeVersion, versionName, loadVersions }
})
