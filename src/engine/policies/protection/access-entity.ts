/**
 * AccessEntity: reads an API product, developer app, consumer key or developer from the workspace into
 * `AccessEntity.<policy>` as XML (default) or JSON, in the shape Apigee's management API gives them.
 */
import { child, childText, type XmlElement } from '../../bundle/xml'
import type { ApiProduct, Credential, Developer, DeveloperApp, Workspace } from '../../../shared/model'
import type { CompileContext, PolicyContext, PolicyHandler } from '../types'

type EntityType = 'apiproduct' | 'app' | 'consumerkey' | 'developer'

interface Identifier {
  type: string
  /** A variable to read, or null when `value` is literal. */
  ref: string | null
  value: string
}

export interface AccessEntityConfig {
  entityType: EntityType
  identifier: Identifier
  secondary: Identifier | null
  format: 'XML' | 'JSON'
}

/** The identifier types each entity type can be found by (Apigee's AccessEntity reference). */
const IDENTIFIERS: Record<EntityType, readonly string[]> = {
  apiproduct: ['apiproductname', 'appid', 'consumerkey'],
  app: ['appid', 'appname', 'consumerkey'],
  consumerkey: ['consumerkey', 'consumersecret'],
  developer: ['developeremail', 'developerid', 'appid', 'consumerkey']
}
const SECONDARY = ['developeremail', 'developerid']

function compileIdentifier(el: XmlElement | undefined, ctx: CompileContext, allowed: readonly string[], what: string): Identifier | null {
  if (!el) return null
  const type = (el.attributes['type'] ?? '').toLowerCase()
  const ref = el.attributes['ref'] ?? null
  if (!allowed.includes(type)) {
    ctx.error('InvalidIdentifierType', `<${el.name} type="${type}"> is not a ${what} identifier: use one of ${allowed.join(', ')}`, el)
  }
  if ((ref === null || ref === '') && el.text === '') ctx.error('InvalidIdentifier', `<${el.name}> needs a ref attribute or a value`, el)
  return { type, ref: ref === '' ? null : ref, value: el.text }
}

/** The AccessEntity policy handler. */
export const accessEntityPolicy: PolicyHandler<AccessEntityConfig> = {
  type: 'AccessEntity',
  faultVariablePrefix: 'accessentity',
  compile(root, ctx) {
    const typeEl = child(root, 'EntityType')
    const typeText = (typeEl?.attributes['value'] ?? typeEl?.text ?? '').toLowerCase()
    const entityType = (Object.keys(IDENTIFIERS) as EntityType[]).find((t) => t === typeText)
    if (!entityType) {
      ctx.error('InvalidEntityType', `<EntityType value="${typeText}"> must be one of ${Object.keys(IDENTIFIERS).join(', ')}`, typeEl ?? root)
    }
    const allowed = IDENTIFIERS[entityType ?? 'developer']
    const idEl = child(root, 'EntityIdentifier')
    const identifier = compileIdentifier(idEl, ctx, allowed, entityType ?? 'entity')
    if (!idEl) ctx.error('InvalidIdentifier', '<EntityIdentifier> is required', root)
    const secondary = compileIdentifier(child(root, 'SecondaryIdentifier'), ctx, SECONDARY, 'secondary')
    if (identifier?.type === 'appname' && !secondary) {
      ctx.error('InvalidIdentifier', 'an app found by appname needs a <SecondaryIdentifier> of type developeremail or developerid', idEl)
    }
    const formatText = (childText(root, 'OutputFormat') ?? 'XML').toUpperCase()
    if (formatText !== 'XML' && formatText !== 'JSON') ctx.error('InvalidOutputFormat', `<OutputFormat> must be XML or JSON, got "${formatText}"`, child(root, 'OutputFormat'))
    return {
      entityType: entityType ?? 'developer',
      identifier: identifier ?? { type: '', ref: null, value: '' },
      secondary,
      format: formatText === 'JSON' ? 'JSON' : 'XML'
    }
  },
  execute(config, ctx) {
    const id = resolve(config.identifier, ctx)
    const second = config.secondary ? resolve(config.secondary, ctx) : undefined
    if (id === undefined || (config.secondary && second === undefined)) {
      ctx.note(`identifier ${config.identifier.ref ?? config.identifier.value} did not resolve: AccessEntity.${ctx.policyName} not set`)
      return
    }
    const ws = ctx.services.workspace()
    const found = findEntity(ws, config, id, second)
    if (!found) {
      ctx.note(`no ${config.entityType} with ${config.identifier.type} ${id}: AccessEntity.${ctx.policyName} not set`)
      return
    }
    const text = config.format === 'JSON' ? JSON.stringify(found.value) : toXml(found.root, found.value)
    ctx.variables.set(`AccessEntity.${ctx.policyName}`, text)
    ctx.note(`${config.entityType} found by ${config.identifier.type}: AccessEntity.${ctx.policyName} set (${config.format})`)
  }
}

function resolve(id: Identifier, ctx: PolicyContext): string | undefined {
  if (id.ref === null) return id.value
  const value = ctx.variables.getString(id.ref)
  if (value !== undefined && value !== '') return value
  return id.value === '' ? undefined : id.value
}

type Json = string | number | Json[] | { [key: string]: Json }

function findEntity(ws: Workspace, config: AccessEntityConfig, id: string, second: string | undefined): { root: string; value: Json } | null {
  const org = ws.organization.name
  const byKey = (key: string): { app: DeveloperApp; credential: Credential } | undefined => {
    for (const app of ws.apps) for (const credential of app.credentials) if (credential.consumerKey === key) return { app, credential }
    return undefined
  }
  const bySecret = (secret: string): { app: DeveloperApp; credential: Credential } | undefined => {
    for (const app of ws.apps) for (const credential of app.credentials) if (credential.consumerSecret === secret) return { app, credential }
    return undefined
  }
  const developerOf = (idOrEmail: string): Developer | undefined => ws.developers.find((d) => d.developerId === idOrEmail || d.email.toLowerCase() === idOrEmail.toLowerCase())
  const appById = (appId: string): DeveloperApp | undefined => ws.apps.find((a) => a.appId === appId)
  const product = (name: string | undefined): ApiProduct | undefined => ws.apiProducts.find((p) => p.name === name)
  const firstProduct = (app: DeveloperApp | undefined, credential?: Credential): ApiProduct | undefined =>
    product((credential ?? app?.credentials[0])?.apiProducts[0]?.apiproduct)

  switch (config.entityType) {
    case 'apiproduct': {
      const type = config.identifier.type
      const p = type === 'apiproductname' ? product(id) : type === 'appid' ? firstProduct(appById(id)) : firstProduct(byKey(id)?.app, byKey(id)?.credential)
      return p ? { root: 'ApiProduct', value: productJson(p) } : null
    }
    case 'app': {
      const type = config.identifier.type
      let app: DeveloperApp | undefined
      if (type === 'appid') app = appById(id)
      else if (type === 'consumerkey') app = byKey(id)?.app
      else {
        const dev = developerOf(second ?? '')
        app = dev ? ws.apps.find((a) => a.name === id && a.developerId === dev.developerId) : undefined
      }
      return app ? { root: 'App', value: appJson(app) } : null
    }
    case 'consumerkey': {
      const hit = config.identifier.type === 'consumersecret' ? bySecret(id) : byKey(id)
      return hit ? { root: 'Credential', value: credentialJson(hit.credential) } : null
    }
    case 'developer': {
      const type = config.identifier.type
      const devId = type === 'appid' ? appById(id)?.developerId : type === 'consumerkey' ? byKey(id)?.app.developerId : id
      const dev = devId === undefined ? undefined : type === 'developeremail' ? ws.developers.find((d) => d.email.toLowerCase() === id.toLowerCase()) : ws.developers.find((d) => d.developerId === devId)
      return dev ? { root: 'Developer', value: developerJson(dev, ws.apps.filter((a) => a.developerId === dev.developerId).map((a) => a.name), org) } : null
    }
  }
}

const attributes = (list: Array<{ name: string; value: string }>): Json => list.map((a) => ({ name: a.name, value: a.value }))

function developerJson(d: Developer, apps: string[], org: string): Json {
  return {
    apps,
    attributes: attributes(d.attributes),
    developerId: d.developerId,
    email: d.email,
    firstName: d.firstName,
    lastName: d.lastName,
    organizationName: org,
    status: d.status,
    userName: d.userName
  }
}

function credentialJson(c: Credential): Json {
  return {
    apiProducts: c.apiProducts.map((p) => ({ apiproduct: p.apiproduct, status: p.status })),
    attributes: attributes(c.attributes),
    consumerKey: c.consumerKey,
    consumerSecret: c.consumerSecret,
    expiresAt: c.expiresAt,
    issuedAt: c.issuedAt,
    scopes: c.scopes,
    status: c.status
  }
}

function appJson(a: DeveloperApp): Json {
  return {
    appId: a.appId,
    attributes: attributes(a.attributes),
    callbackUrl: a.callbackUrl,
    createdAt: a.createdAt,
    credentials: a.credentials.map(credentialJson),
    developerId: a.developerId,
    name: a.name,
    scopes: a.scopes,
    status: a.status
  }
}

function productJson(p: ApiProduct): Json {
  return {
    apiResources: p.apiResources,
    approvalType: p.approvalType,
    attributes: attributes(p.attributes),
    description: p.description,
    displayName: p.displayName,
    environments: p.environments,
    name: p.name,
    proxies: p.proxies,
    scopes: p.scopes
  }
}

/** Element names of list items, by the list's element name. */
const ITEM: Record<string, string> = {
  Apps: 'App',
  Attributes: 'Attribute',
  ApiProducts: 'ApiProduct',
  ApiResources: 'ApiResource',
  Credentials: 'Credential',
  Environments: 'Environment',
  Proxies: 'Proxy',
  Scopes: 'Scope'
}

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const pascal = (key: string): string => (key === 'apiproduct' ? 'Name' : key.charAt(0).toUpperCase() + key.slice(1))

/** The management API's XML form: PascalCase elements, lists wrapped in their plural element. */
function toXml(name: string, value: Json): string {
  if (Array.isArray(value)) return `<${name}>${value.map((v) => toXml(ITEM[name] ?? 'Item', v)).join('')}</${name}>`
  if (typeof value === 'object') return `<${name}>${Object.entries(value).map(([k, v]) => toXml(pascal(k), v)).join('')}</${name}>`
  return `<${name}>${escapeXml(String(value))}</${name}>`
}
