/**
 * The app, developer and product flow variables that VerifyAPIKey (prefixed `verifyapikey.<policy>.`)
 * and VerifyAccessToken (unprefixed) populate (reference 5.2/5.3). Names are relative; callers prefix.
 */
import type { Attribute, Workspace } from '../../shared/model'
import type { ResolvedCredential } from './credential'
import type { ProductMatch } from './products'

/** Apigee's Java-list rendering of names, e.g. `[Product_One, Product_Two]`. */
export function javaList(items: string[]): string {
  return `[${items.join(', ')}]`
}

function attributes(prefix: string, list: Attribute[], into: Record<string, string>): void {
  for (const a of list) into[`${prefix}${a.name}`] = a.value
}

/** client_id, client_secret, developer.app.*, app.* and developer.* for a resolved credential. */
export function credentialVariables(ws: Workspace, resolved: Partial<ResolvedCredential>): Record<string, string> {
  const vars: Record<string, string> = {}
  const { app, developer, credential } = resolved
  if (credential) {
    vars['client_id'] = credential.consumerKey
    vars['client_secret'] = credential.consumerSecret
  }
  if (app) {
    vars['redirection_uris'] = app.callbackUrl
    vars['developer.app.id'] = app.appId
    vars['developer.app.name'] = app.name
    vars['developer.id'] = app.developerId
    const displayName = app.attributes.find((a) => a.name === 'DisplayName')?.value ?? app.name
    vars['DisplayName'] = displayName
    // Custom attributes first, so that the documented names below win on a clash.
    attributes('app.', app.attributes, vars)
    vars['app.name'] = app.name
    vars['app.id'] = app.appId
    vars['app.callbackUrl'] = app.callbackUrl
    vars['app.DisplayName'] = displayName
    vars['app.status'] = app.status
    vars['app.scopes'] = javaList(app.scopes)
    vars['app.appFamily'] = 'default'
    vars['app.appParentId'] = app.developerId
    vars['app.appType'] = 'Developer'
    vars['app.created_at'] = String(app.createdAt)
    if (credential) vars['app.apiproducts'] = javaList(credential.apiProducts.map((p) => p.apiproduct))
  }
  if (developer) {
    attributes('developer.', developer.attributes, vars)
    if (app) {
      vars['app.appParentStatus'] = developer.status
      vars['app.created_by'] = developer.email
    }
    vars['developer.id'] = developer.developerId
    vars['developer.userName'] = developer.userName
    vars['developer.firstName'] = developer.firstName
    vars['developer.lastName'] = developer.lastName
    vars['developer.email'] = developer.email
    vars['developer.status'] = developer.status
    vars['developer.apps'] = javaList(ws.apps.filter((a) => a.developerId === developer.developerId).map((a) => a.name))
  }
  return vars
}

/** apiproduct.name, apiproduct.<attr> and apiproduct.developer.quota.* of the matched product; empty when none matched. */
export function productVariables(match: ProductMatch): Record<string, string> {
  const product = match.product
  if (!product) return {}
  const vars: Record<string, string> = {}
  attributes('apiproduct.', product.attributes, vars)
  vars['apiproduct.name'] = product.name
  const quota = match.operation?.quota ?? { limit: product.quota, interval: product.quotaInterval, timeUnit: product.quotaTimeUnit }
  if (quota.limit !== '') {
    vars['apiproduct.developer.quota.limit'] = quota.limit
    vars['apiproduct.developer.quota.interval'] = quota.interval
    vars['apiproduct.developer.quota.timeunit'] = quota.timeUnit
  }
  return vars
}

/** apiproduct.operation* of the matched operation (operation-group products only), unprefixed (VerifyAPIKey also prefixes them). */
export function operationVariables(match: ProductMatch): Record<string, string> {
  const op = match.operation
  if (!match.product || !op) return {}
  const vars: Record<string, string> = {
    'apiproduct.operation': op.resource,
    'apiproduct.operation.resource': op.resource,
    'apiproduct.operation.methods': javaList(op.methods)
  }
  for (const [k, v] of Object.entries(op.attributes)) vars[`apiproduct.operation.attributes.${k}`] = v
  return vars
}
