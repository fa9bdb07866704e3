import { computed, ref, shallowRef } from 'vue'
import { useApi, type ApiClient } from '@renderer/api'
import { changeAffects, type EntityKind } from './live'

/**
 * The shared shape of an entity cache: the list from `<kind>.list`, its load state, and a
 * subscription that refetches when `workspace.changed` concerns this kind. Each store file calls it
 * inside its own setup store, so every store stays one file and one `useXStore`.
 */
export function useCollection<T>(kind: EntityKind, load: (api: ApiClient) => Promise<T[]>, keyOf: (item: T) => string) {
  const api = useApi()
  const items = shallowRef<T[]>([])
  const loaded = ref(false)
  const loading = ref(false)
  const error = ref<unknown>(null)
  let inflight: Promise<void> | null = null

  async function refresh(): Promise<void> {
    if (inflight) return inflight
    loading.value = true
    inflight = (async () => {
      try {
        items.value = await load(api)
        error.value = null
        loaded.value = true
      } catch (e) {
        error.value = e
      } finally {
        loading.value = false
        inflight = null
      }
    })()
    return inflight
  }

  /** Loads once; later calls are free (push events keep the list fresh). */
  async function ensureLoaded(): Promise<void> {
    if (!loaded.value) await refresh()
  }

  const byKey = computed(() => new Map(items.value.map((i) => [keyOf(i), i])))

  api.on('workspace.changed', (event) => {
    if ((loaded.value || error.value) && changeAffects(event.entity, kind)) void refresh()
  })

  return { api, items, loaded, loading, error, refresh, ensureLoaded, byKey }
}
