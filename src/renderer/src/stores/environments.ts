import { defineStore } from 'pinia'
import type { Environment } from '@shared/model'
import { useCollection } from './collection'

export const useEnvironmentsStore = defineStore('environments', () => {
  const c = useCollection<Environment>('environments', (api) => api.environments.list({}), (e) => e.name)

  async function create(environment: Partial<Environment>): Promise<Environment> {
    const created = await c.api.environments.create({ environment })
    await c.refresh()
    return created
  }
  async function update(name: string, patch: Partial<Environment>): Promise<Environment> {
    const updated = await c.api.environments.update({ name, patch })
    await c.refresh()
    return updated
  }
  async function remove(name: string): Promise<void> {
    await c.api.environments.delete({ name })
    await c.refresh()
  }

  /** One variable's stored value in clear (secret values are listed masked); not cached. */
  async function revealVariable(name: string, variable: string): Promise<string> {
    return (await c.api.environments.revealVariable({ name, variable })).value
  }

  return { ...c, create, update, remove, revealVariable }
})
