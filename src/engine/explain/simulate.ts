/**
 * Applies a fix to a copy of the workspace (and to the call or key the client would use), so that a
 * diagnosis can say truthfully whether the fix alone makes the same request pass.
 */
import type { ApiProduct, Workspace } from '../../shared/model'
import type { Fix } from '../../shared/explain'
import { decideAccess, type ApiCall } from '../kms'

/** What a request is made of, for re-deciding it. */
export interface Attempt {
  ws: Workspace
  consumerKey: string
  call: ApiCall
}

type Input = Record<string, unknown>
const str = (v: unknown): string => (typeof v === 'string' ? v : '')

function credentialOf(ws: Workspace, input: Input) {
  const app = ws.apps.find((a) => a.name === str(input['app']))
  return { app, credential: app?.credentials.find((c) => c.consumerKey === str(input['consumerKey'])) }
}

/** The attempt after applying `fix`, or null when the fix cannot be simulated (e.g. a new key). */
export function applyFix(attempt: Attempt, fix: Fix): Attempt | null {
  const ws = structuredClone(attempt.ws)
  const input = (fix.input ?? {}) as Input
  const next: Attempt = { ws, consumerKey: attempt.consumerKey, call: { ...attempt.call } }
  switch (fix.method) {
    case 'apps.setProductStatus': {
      const entry = credentialOf(ws, input).credential?.apiProducts.find((p) => p.apiproduct === str(input['product']))
      if (!entry) return null
      entry.status = input['status'] as typeof entry.status
      return next
    }
    case 'apps.addProducts': {
      const { credential } = credentialOf(ws, input)
      if (!credential) return null
      for (const name of (input['products'] as string[]) ?? []) {
        const product = ws.apiProducts.find((p) => p.name === name)
        if (!product || credential.apiProducts.some((e) => e.apiproduct === name)) continue
        credential.apiProducts.push({ apiproduct: name, status: product.approvalType === 'auto' ? 'approved' : 'pending' })
      }
      return next
    }
    case 'apps.setStatus': {
      const app = ws.apps.find((a) => a.name === str(input['app']))
      if (!app) return null
      app.status = input['status'] as typeof app.status
      return next
    }
    case 'apps.setCredentialStatus': {
      const { credential } = credentialOf(ws, input)
      if (!credential) return null
      credential.status = input['status'] as typeof credential.status
      return next
    }
    case 'developers.setStatus': {
      const developer = ws.developers.find((d) => d.email === str(input['email']))
      if (!developer) return null
      developer.status = input['status'] as typeof developer.status
      return next
    }
    case 'products.update': {
      const index = ws.apiProducts.findIndex((p) => p.name === str(input['name']))
      if (index < 0) return null
      ws.apiProducts[index] = { ...ws.apiProducts[index]!, ...(input['patch'] as Partial<ApiProduct>) }
      return next
    }
    case 'proxies.deploy': {
      const proxy = ws.proxies.find((p) => p.name === str(input['name']))
      if (!proxy) return null
      if (!proxy.environments.includes(str(input['environment']))) proxy.environments.push(str(input['environment']))
      return next
    }
    case 'workbench.useCredential':
      next.consumerKey = str(input['consumerKey'])
      return next
    case 'workbench.useEnvironment':
      next.call.environment = str(input['environment'])
      return next
    default:
      return null
  }
}

/** Whether the fix alone turns the attempt into an allowed call. */
export function fixResolves(attempt: Attempt, fix: Fix, now: number): boolean {
  const after = applyFix(attempt, fix)
  return after !== null && decideAccess(after.ws, after.consumerKey, after.call, now).allowed
}
