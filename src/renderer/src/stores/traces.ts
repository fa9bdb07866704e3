import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import { useApi } from '@renderer/api'
import type { TraceSummary } from '@shared/trace'

const KEEP = 500

/** Recent trace summaries, newest first; `trace.added` prepends without refetching. */
export const useTracesStore = defineStore('traces', () => {
  const api = useApi()
  const summaries = shallowRef<TraceSummary[]>([])
  const loaded = ref(false)
  const error = ref<unknown>(null)

  async function refresh(): Promise<void> {
    try {
      const list = await api.traces.list({ limit: KEEP })
      summaries.value = [...list].sort((a, b) => b.startedAt - a.startedAt)
      loaded.value = true
      error.value = null
    } catch (e) {
      error.value = e
    }
  }
  async function clear(): Promise<void> {
    await api.traces.clear({})
    summaries.value = []
  }

  api.on('trace.added', (summary) => {
    summaries.value = [summary, ...summaries.value].slice(0, KEEP)
  })

  return { summaries, loaded, error, refresh, clear }
})
