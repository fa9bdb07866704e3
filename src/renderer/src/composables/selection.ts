import { computed } from 'vue'
import { useRoute, useRouter } from 'vue-router'

/** The selected entity of a master-detail view lives in the route (`/products/Product_One`), so it survives reloads and back/forward. */
export function useRouteSelection(routeName: string) {
  const route = useRoute()
  const router = useRouter()
  const selectedKey = computed(() => {
    const p = route.params.name
    return typeof p === 'string' && p ? p : null
  })
  function select(key: string | null): void {
    void router.replace({ name: routeName, params: key ? { name: key } : {} })
  }
  return { selectedKey, select }
}
