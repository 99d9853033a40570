// The accounting workflows (standard, and legacy without calculation details), loaded once per session:
// the task screens name a task's workflow and its steps.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, ok } from '@/api/client'
import type { Workflow } from '@/api/types'

export const useAccountingStore = defineStore('accounting', () => {
  const workflows = ref<Workflow[]>([])
  let workflowsLoad: Promise<void> | null = null

  const defaultWorkflow = computed(() => workflows.value.find((w) => w.is_default) ?? workflows.value[0] ?? null)
  const workflow = computed(() => {
    const byId = new Map(workflows.value.map((w) => [w.id, w]))
    return (id: number | null | undefined) => (id == null ? undefined : byId.get(id))
  })

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

  return { workflows, defaultWorkflow, workflow, loadWorkflows }
})
