import { defineStore } from 'pinia'
import { shallowRef } from 'vue'
import type { ApiProxy } from '@shared/model'
import type { ProxyDeployment } from '@shared/deployment'
import { useCollection } from './collection'

export const useProxiesStore = defineStore('proxies', () => {
  const deployments = shallowRef<ProxyDeployment[]>([])
  const c = useCollection<ApiProxy>(
    'proxies',
    async (api) => {
      const [list, deps] = await Promise.all([api.proxies.list({}), api.proxies.deployments({})])
      deployments.value = deps
      return list
    },
    (p) => p.name
  )

  c.api.on('gateway.changed', () => {
    if (c.loaded.value) void c.refresh()
  })

  function deploymentsOf(name: string): ProxyDeployment[] {
    return deployments.value.filter((d) => d.proxy === name)
  }

  async function create(proxy: Partial<ApiProxy>): Promise<ApiProxy> {
    const created = await c.api.proxies.create({ proxy })
    await c.refresh()
    return created
  }
  async function update(name: string, patch: Partial<ApiProxy>): Promise<ApiProxy> {
    const updated = await c.api.proxies.update({ name, patch })
    await c.refresh()
    return updated
  }
  async function remove(name: string): Promise<void> {
    await c.api.proxies.delete({ name })
    await c.refresh()
  }
  async function deploy(name: string, environment: string): Promise<ProxyDeployment[]> {
    try {
      return await c.api.proxies.deploy({ name, environment })
    } finally {
      await c.refresh()
    }
  }
  async function undeploy(name: string, environment: string): Promise<ProxyDeployment[]> {
    try {
      return await c.api.proxies.undeploy({ name, environment })
    } finally {
      await c.refresh()
    }
  }

  return { ...c, deployments, deploymentsOf, create, update, remove, deploy, undeploy }
})
