import { defineStore } from 'pinia'
import { ref } from 'vue'
import { useApi } from '@renderer/api'

/**
 * Whether push events are arriving. While they are not, what the page shows may be stale;
 * when they come back, `onResync` callbacks refetch (events sent meanwhile were lost).
 */
export const useConnectionStore = defineStore('connection', () => {
  const api = useApi()
  const live = ref(true)
  const resyncs = new Set<() => void>()

  api.onConnection((connected) => {
    const wasLost = !live.value
    live.value = connected
    if (connected && wasLost) for (const resync of resyncs) resync()
  })

  function onResync(callback: () => void): () => void {
    resyncs.add(callback)
    return () => resyncs.delete(callback)
  }

  return { live, onResync }
})
