import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import { useApi } from '@renderer/api'
import type { StoreProblem, WorkspaceInfo } from '@shared/contract'

/** Organization, revision and store problems; refreshed on every `workspace.changed`. */
export const useWorkspaceStore = defineStore('workspace', () => {
  const api = useApi()
  const info = shallowRef<WorkspaceInfo | null>(null)
  const error = ref<unknown>(null)
  const problems = shallowRef<StoreProblem[]>([])

  async function refresh(): Promise<void> {
    try {
      info.value = await api.workspace.info({})
      problems.value = info.value.problems
      error.value = null
    } catch (e) {
      error.value = e
    }
  }

  api.on('workspace.changed', (event) => {
    if (!info.value || event.revision !== info.value.revision) void refresh()
  })
  api.on('store.problem', (problem) => {
    problems.value = [...problems.value, problem]
  })

  return { info, error, problems, refresh }
})
