import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import { useApi } from '@renderer/api'
import type { ListenerStatus } from '@shared/deployment'

/** The gateway listeners (one per environment), kept live by `gateway.changed`. */
export const useGatewayStore = defineStore('gateway', () => {
  const api = useApi()
  const listeners = shallowRef<ListenerStatus[]>([])
  const error = ref<unknown>(null)

  async function refresh(): Promise<void> {
    try {
      listeners.value = await api.gateway.status({})
      error.value = null
    } catch (e) {
      error.value = e
    }
  }

  api.on('gateway.changed', (next) => {
    listeners.value = next
  })
  api.on('workspace.changed', (event) => {
    if (event.entity === null || event.entity.toLowerCase().startsWith('environment')) void refresh()
  })

  return { listeners, error, refresh }
})
