/** Grant-time scope rules (reference 4.2 rule 6). */
import type { Credential, Workspace } from '../../shared/model'

/**
 * Scopes the credential may be granted: the union of the scopes of its approved and pending products
 * (a token is issued while a product is pending, and works once it is approved); revoked entries give none.
 */
export function grantableScopes(ws: Workspace, credential: Credential): string[] {
  const scopes: string[] = []
  for (const entry of credential.apiProducts) {
    if (entry.status === 'revoked') continue
    const product = ws.apiProducts.find((p) => p.name === entry.apiproduct)
    if (!product) continue
    for (const scope of product.scopes) if (!scopes.includes(scope)) scopes.push(scope)
  }
  return scopes
}

/**
 * The scope string a token gets: no requested scope -> the whole grantable list; a requested list is a
 * filter (only grantable values are kept, in request order); nothing grantable requested -> refused.
 */
export function resolveRequestedScope(
  ws: Workspace,
  credential: Credential,
  requested: string | undefined
): { ok: true; scope: string } | { ok: false } {
  const grantable = grantableScopes(ws, credential)
  const asked = (requested ?? '').split(/\s+/).filter((s) => s !== '')
  if (asked.length === 0) return { ok: true, scope: grantable.join(' ') }
  const kept = [...new Set(asked.filter((s) => grantable.includes(s)))]
  if (kept.length === 0) return { ok: false }
  return { ok: true, scope: kept.join(' ') }
}
