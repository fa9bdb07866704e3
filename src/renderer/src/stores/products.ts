import { defineStore } from 'pinia'
import type { ApiProduct } from '@shared/model'
import { useCollection } from './collection'

export const useProductsStore = defineStore('products', () => {
  const c = useCollection<ApiProduct>('products', (api) => api.products.list({}), (p) => p.name)

  async function create(product: Partial<ApiProduct>): Promise<ApiProduct> {
    const created = await c.api.products.create({ product })
    await c.refresh()
    return created
  }
  /** `null` for a field clears it (e.g. removes the operation group). */
  async function update(name: string, patch: { [K in keyof ApiProduct]?: ApiProduct[K] | null }): Promise<ApiProduct> {
    const updated = await c.api.products.update({ name, patch })
    await c.refresh()
    return updated
  }
  async function remove(name: string): Promise<void> {
    await c.api.products.delete({ name })
    await c.refresh()
  }

  return { ...c, create, update, remove }
})
