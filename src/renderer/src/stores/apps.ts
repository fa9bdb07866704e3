import { defineStore } from 'pinia'
import type { CredentialProduct, DeveloperApp } from '@shared/model'
import { useCollection } from './collection'

export const useAppsStore = defineStore('apps', () => {
  const c = useCollection<DeveloperApp>('apps', (api) => api.apps.list({}), (a) => a.name)

  /** Runs a mutation and refreshes the cache whatever the outcome (a failed call may still have changed nothing). */
  async function mutate<R>(run: () => Promise<R>): Promise<R> {
    try {
      return await run()
    } finally {
      await c.refresh()
    }
  }

  const create = (app: Partial<DeveloperApp>) => mutate(() => c.api.apps.create({ app }))
  const update = (app: string, patch: Partial<DeveloperApp>) => mutate(() => c.api.apps.update({ app, patch }))
  const remove = (app: string) => mutate(() => c.api.apps.delete({ app }))
  const setStatus = (app: string, status: DeveloperApp['status']) => mutate(() => c.api.apps.setStatus({ app, status }))
  const generateCredential = (app: string, options: { expiresInSeconds?: number; products?: string[] }) =>
    mutate(() => c.api.apps.generateCredential({ app, ...options }))
  const deleteCredential = (app: string, consumerKey: string) => mutate(() => c.api.apps.deleteCredential({ app, consumerKey }))
  const setCredentialStatus = (app: string, consumerKey: string, status: 'approved' | 'revoked') =>
    mutate(() => c.api.apps.setCredentialStatus({ app, consumerKey, status }))
  const addProducts = (app: string, consumerKey: string, products: string[]) => mutate(() => c.api.apps.addProducts({ app, consumerKey, products }))
  const setProductStatus = (app: string, consumerKey: string, product: string, status: CredentialProduct['status']) =>
    mutate(() => c.api.apps.setProductStatus({ app, consumerKey, product, status }))
  const removeProduct = (app: string, consumerKey: string, product: string) => mutate(() => c.api.apps.removeProduct({ app, consumerKey, product }))

  /** One credential's consumer secret in clear (lists hold it masked); not cached. */
  const revealSecret = async (app: string, consumerKey: string): Promise<string> => (await c.api.apps.revealSecret({ app, consumerKey })).consumerSecret

  return { ...c, revealSecret, create, update, remove, setStatus, generateCredential, deleteCredential, setCredentialStatus, addProducts, setProductStatus, removeProduct }
})
