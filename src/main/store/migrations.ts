/**
 * Forward migrations of workspace.json. Each step takes the raw JSON of one schema version and returns
 * the next; the chain runs on open and on import, so a team's old file (or an old export) keeps loading.
 */
import { CURRENT_SCHEMA_VERSION } from '../../shared/model'

type Json = Record<string, unknown>

export interface Migration {
  from: number
  to: number
  description: string
  migrate(data: Json): Json
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Version 0 is the layout written before files carried a `schemaVersion`: the organization was a bare
 * name under `org`, API products lived under `products`, host aliases under `aliases`, and a credential's
 * products were a list of names (all of them approved).
 */
const v0ToV1: Migration = {
  from: 0,
  to: 1,
  description: 'org -> organization, products -> apiProducts, aliases -> hostAliases, credential product names -> {apiproduct, status}',
  migrate(data) {
    const { org, products, ...rest } = data
    const next: Json = { ...rest, schemaVersion: 1 }
    if (!('organization' in next)) next.organization = isObject(org) ? org : { name: typeof org === 'string' && org ? org : 'sample' }
    if (!('apiProducts' in next)) next.apiProducts = Array.isArray(products) ? products : []
    if (Array.isArray(next.environments))
      next.environments = next.environments.map((env) => {
        if (!isObject(env) || !('aliases' in env)) return env
        const { aliases, ...others } = env
        return { ...others, hostAliases: 'hostAliases' in others ? others.hostAliases : aliases }
      })
    if (Array.isArray(next.apps))
      next.apps = next.apps.map((app) => {
        if (!isObject(app) || !Array.isArray(app.credentials)) return app
        return {
          ...app,
          credentials: app.credentials.map((credential) => {
            if (!isObject(credential) || !Array.isArray(credential.apiProducts)) return credential
            return {
              ...credential,
              apiProducts: credential.apiProducts.map((p) => (typeof p === 'string' ? { apiproduct: p, status: 'approved' } : p))
            }
          })
        }
      })
    return next
  }
}

/**
 * Version 2 adds `restrictHosts` to environments (only known Host names reach the gateway). New
 * environments get it on; an existing workspace keeps answering any Host until the user turns it on.
 */
const v1ToV2: Migration = {
  from: 1,
  to: 2,
  description: 'environments get restrictHosts: false (they accepted any Host before)',
  migrate(data) {
    const next: Json = { ...data, schemaVersion: 2 }
    if (Array.isArray(next.environments))
      next.environments = next.environments.map((env) => (isObject(env) && !('restrictHosts' in env) ? { ...env, restrictHosts: false } : env))
    return next
  }
}

/** Every migration, in order; the last one ends at CURRENT_SCHEMA_VERSION. */
export const migrations: Migration[] = [v0ToV1, v1ToV2]

/** Why a file cannot be brought to the current version. */
export class MigrationError extends Error {
  constructor(
    readonly reason: 'not-an-object' | 'bad-version' | 'newer',
    message: string
  ) {
    super(message)
    this.name = 'MigrationError'
  }
}

/** The schema version a raw workspace declares; a file without one is version 0. */
export function schemaVersionOf(raw: unknown): number {
  if (!isObject(raw)) throw new MigrationError('not-an-object', 'the file does not hold a JSON object')
  const version = raw.schemaVersion
  if (version === undefined) return 0
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0)
    throw new MigrationError('bad-version', `schemaVersion must be a whole number, found ${JSON.stringify(version)}`)
  return version
}

/** Runs every migration from the raw file's version up to the current one; the input is not modified. */
export function migrateWorkspace(raw: unknown): { data: unknown; from: number; to: number } {
  const from = schemaVersionOf(raw)
  if (from > CURRENT_SCHEMA_VERSION)
    throw new MigrationError('newer', `schemaVersion ${from} was written by a newer Gatelab (this one reads up to ${CURRENT_SCHEMA_VERSION})`)
  let data = structuredClone(raw) as Json
  let version = from
  while (version < CURRENT_SCHEMA_VERSION) {
    const step = migrations.find((m) => m.from === version)
    if (!step) throw new MigrationError('bad-version', `no migration from schemaVersion ${version}`)
    data = step.migrate(data)
    version = step.to
  }
  return { data, from, to: version }
}
