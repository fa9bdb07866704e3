/**
 * Key management decisions (reference sections 3 and 4): who a consumer key belongs to, whether it may
 * be used, which API product authorizes a call and why each product did or did not. Pure functions over
 * a Workspace; the runtime policies, the access matrix and the explanations all call these.
 */
import type { Workspace } from '../../shared/model'
import { checkCredential, type CredentialFailure, type ResolvedCredential } from './credential'
import { describeNoMatch, resolveProductMatch, type ApiCall, type ProductMatch } from './products'

export { checkCredential, findCredential, isCredentialExpired } from './credential'
export type { CredentialFailure, CredentialDecision, ResolvedCredential } from './credential'
export {
  resolveProductMatch,
  evaluateProduct,
  describeNoMatch,
  firstFailure,
  usesOperationGroup,
  productProxies
} from './products'
export type { ApiCall, ProductCheck, ProductEvaluation, ProductMatch, MatchedOperation } from './products'
export { matchesResourcePath, isValidResourcePattern } from './resource-path'
export { grantableScopes, resolveRequestedScope } from './scopes'

export type AccessDecision =
  | { allowed: true; credential: ResolvedCredential; match: ProductMatch }
  | { allowed: false; stage: 'credential'; failure: CredentialFailure; reason: string }
  | { allowed: false; stage: 'product'; failure: 'no-product-match'; reason: string; match: ProductMatch }

/** The whole decision for one key and one call; the access matrix and explanations reuse it (one source of truth). */
export function decideAccess(ws: Workspace, consumerKey: string, call: ApiCall, now: number): AccessDecision {
  const credential = checkCredential(ws, consumerKey, now)
  if (!credential.ok) return { allowed: false, stage: 'credential', failure: credential.failure, reason: credential.reason }
  const { app, developer } = credential
  const match = resolveProductMatch(ws, credential.credential.apiProducts, call)
  if (!match.product) {
    return { allowed: false, stage: 'product', failure: 'no-product-match', reason: describeNoMatch(app.name, match, call), match }
  }
  return { allowed: true, credential: { app, developer, credential: credential.credential }, match }
}
export { credentialVariables, productVariables, operationVariables, javaList } from './variables'
