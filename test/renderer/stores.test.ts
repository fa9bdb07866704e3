import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { createApiClient, setApiClient, type Transport } from '@renderer/api'
import { useProductsStore } from '@renderer/stores/products'
import { useAppsStore } from '@renderer/stores/apps'
import type { ConsoleResult } from '@shared/contract'

/** A console with a product list that changes between calls, counting calls per method. */
function fakeConsole() {
  const calls: Record<string, number> = {}
  const listeners = new Map<string, Array<(p: unknown) => void>>()
  let products = [{ name: 'Product_One' }]
  const transport: Transport = {
    kind: 'http',
    async invoke(method): Promise<ConsoleResult<unknown>> {
      calls[method] = (calls[method] ?? 0) + 1
      if (method === 'products.list') return { ok: true, data: products }
      if (method === 'apps.list') return { ok: true, data: [] }
      if (method === 'products.delete') {
        products = []
        return { ok: true, data: undefined }
      }
      return { ok: false, error: { code: 'unknown-method', message: method } }
    },
    on(event, listener) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener as (p: unknown) => void])
      return () => {}
    },
    onConnection: () => () => {}
  }
  return {
    transport,
    calls,
    setProducts: (next: Array<{ name: string }>) => (products = next),
    emit: (event: string, payload: unknown) => (listeners.get(event) ?? []).forEach((l) => l(payload)),
    settle: () => new Promise((done) => setTimeout(done, 0))
  }
}

describe('entity stores: thin caches kept live by workspace.changed', () => {
  let fake: ReturnType<typeof fakeConsole>
  beforeEach(() => {
    fake = fakeConsole()
    setApiClient(createApiClient(fake.transport))
    setActivePinia(createPinia())
  })

  it('loads once, then refetches only when a change concerns products', async () => {
    const store = useProductsStore()
    await store.ensureLoaded()
    await store.ensureLoaded()
    expect(fake.calls['products.list']).toBe(1)
    expect(store.items.map((p) => p.name)).toEqual(['Product_One'])

    fake.setProducts([{ name: 'Product_One' }, { name: 'Product_Two' }])
    fake.emit('workspace.changed', { revision: 2, entity: 'developers' })
    await fake.settle()
    expect(fake.calls['products.list']).toBe(1)

    fake.emit('workspace.changed', { revision: 3, entity: 'apiProducts' })
    await fake.settle()
    expect(fake.calls['products.list']).toBe(2)
    expect(store.items.map((p) => p.name)).toEqual(['Product_One', 'Product_Two'])
  })

  it('does not fetch for a change before anything asked for the list', async () => {
    useProductsStore()
    fake.emit('workspace.changed', { revision: 2, entity: 'apiProducts' })
    await fake.settle()
    expect(fake.calls['products.list']).toBeUndefined()
  })

  it('refreshes after its own mutation and keeps a product change reaching the apps cache', async () => {
    const products = useProductsStore()
    const apps = useAppsStore()
    await products.ensureLoaded()
    await apps.ensureLoaded()
    await products.remove('Product_One')
    expect(products.items).toEqual([])
    fake.emit('workspace.changed', { revision: 4, entity: 'apiProducts' })
    await fake.settle()
    expect(fake.calls['apps.list']).toBe(2)
  })

  it('keeps the error of a failed load and clears it on the next good one', async () => {
    const store = useProductsStore()
    const original = fake.transport.invoke
    fake.transport.invoke = async () => ({ ok: false, error: { code: 'internal', message: 'disk on fire' } })
    await store.refresh()
    expect(store.loaded).toBe(false)
    expect((store.error as Error).message).toBe('disk on fire')
    fake.transport.invoke = original
    await store.refresh()
    expect([store.loaded, store.error]).toEqual([true, null])
  })
})
