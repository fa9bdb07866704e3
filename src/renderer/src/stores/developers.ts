import { defineStore } from 'pinia'
import { computed } from 'vue'
import type { Developer } from '@shared/model'
import { useCollection } from './collection'

export const useDevelopersStore = defineStore('developers', () => {
  const c = useCollection<Developer>('developers', (api) => api.developers.list({}), (d) => d.email)
  const byId = computed(() => new Map(c.items.value.map((d) => [d.developerId, d])))

  async function create(developer: Partial<Developer>): Promise<Developer> {
    const created = await c.api.developers.create({ developer })
    await c.refresh()
    return created
  }
  async function update(email: string, patch: Partial<Developer>): Promise<Developer> {
    const updated = await c.api.developers.update({ email, patch })
    await c.refresh()
    return updated
  }
  async function remove(email: string): Promise<void> {
    await c.api.developers.delete({ email })
    await c.refresh()
  }
  async function setStatus(email: string, status: Developer['status']): Promise<Developer> {
    const updated = await c.api.developers.setStatus({ email, status })
    await c.refresh()
    return updated
  }

  return { ...c, byId, create, update, remove, setStatus }
})
