/** Helpers shared by the workspace services: lookups with clear not-found errors, input parsing, ids, keys. */
import { z } from 'zod'
import { ConsoleError, validationError, type FieldIssue } from '../../shared/contract'
import { attributeSchema, credentialProductSchema, type ApiProduct, type CredentialProduct, type Workspace } from '../../shared/model'

/** How each entity kind is named in messages ("Product Product_X does not exist"). */
export const label = {
  environment: 'Environment',
  proxy: 'API proxy',
  product: 'Product',
  developer: 'Developer',
  app: 'App'
} as const

export function notFound(kind: keyof typeof label, name: string): ConsoleError {
  return new ConsoleError('not-found', `${label[kind]} ${name} does not exist`)
}

export function alreadyExists(kind: keyof typeof label, name: string, field: string): ConsoleError {
  const message = `${label[kind]} ${name} already exists`
  return new ConsoleError('conflict', message, [{ field, message }])
}

/** A validation error made of hand-written issues (references checked by a service, patch keys...). */
export function invalid(what: string, issues: FieldIssue[]): ConsoleError {
  return new ConsoleError('validation', `Invalid ${what}: ${issues.map((i) => (i.field ? `${i.field}: ${i.message}` : i.message)).join('; ')}`, issues)
}

/** Parses `input` with `schema`; a failure names every field (prefixed) and reason. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string, prefix: string): z.output<S> {
  const parsed = schema.safeParse(input)
  if (!parsed.success) throw validationError(parsed.error, what, prefix)
  return parsed.data
}

/**
 * Checks a patch's keys before it is merged: unknown keys and keys that cannot change through `update`
 * are refused by name (a typo must not be dropped silently).
 */
export function checkPatchKeys(patch: Record<string, unknown>, allowed: readonly string[], fixed: Record<string, string>, what: string): void {
  const issues: FieldIssue[] = []
  for (const key of Object.keys(patch)) {
    if (key in fixed) issues.push({ field: `patch.${key}`, message: fixed[key]! })
    else if (!allowed.includes(key)) issues.push({ field: `patch.${key}`, message: `is not a field of ${what} (fields: ${allowed.join(', ')})` })
  }
  if (issues.length > 0) throw invalid(`${what} patch`, issues)
}

/**
 * Applies a patch to an entity: a field set to null is removed, which clears an optional field (a product's
 * operationGroup) or resets one with a default; a required field removed this way fails validation by name.
 */
export function mergePatch(base: object | undefined, patch: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base, ...patch }
  for (const [key, value] of Object.entries(patch)) if (value === null) delete merged[key]
  return merged
}

/** A credential as create and import take it: generated fields optional, products by name or with a status. */
export const credentialInputSchema = z.object({
  consumerKey: z.string().min(1, 'is required'),
  consumerSecret: z.string().min(1, 'is required'),
  status: z.enum(['approved', 'revoked']).default('approved'),
  issuedAt: z.number().int().optional(),
  expiresAt: z.number().int().default(-1),
  /** Product names (status from the product's approval type) or explicit `{apiproduct, status}`. */
  apiProducts: z.array(z.union([z.string().min(1), credentialProductSchema])).default([]),
  scopes: z.array(z.string()).default([]),
  attributes: z.array(attributeSchema).default([])
})

/** A lower-case slug usable in ids: `App_One` -> `app-one`, `dev.one` -> `dev-one`. */
export function slug(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
  return s || 'x'
}

/** `base`, or `base-2`, `base-3`... whichever is not taken. */
export function uniqueId(base: string, taken: Iterable<string>): string {
  const used = new Set(taken)
  if (!used.has(base)) return base
  for (let n = 2; ; n++) if (!used.has(`${base}-${n}`)) return `${base}-${n}`
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** `length` letters and digits from a CSPRNG, without modulo bias (bytes >= 248 are drawn again). */
export function randomAlphanumeric(length: number, randomBytes: (n: number) => Uint8Array): string {
  let out = ''
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte >= 248) continue
      out += ALPHANUMERIC[byte % 62]
      if (out.length === length) break
    }
  }
  return out
}

/** Apigee X sizes: 48-character consumer keys, 64-character consumer secrets. */
export const CONSUMER_KEY_LENGTH = 48
export const CONSUMER_SECRET_LENGTH = 64

/** A product as a credential gets it: approved at once for `auto` products, pending for `manual` ones. */
export function credentialProductFor(product: ApiProduct): CredentialProduct {
  return { apiproduct: product.name, status: product.approvalType === 'manual' ? 'pending' : 'approved' }
}

/** Looks up products by name; missing ones are reported against `field.<index>`. */
export function resolveProducts(ws: Workspace, names: string[], field: string, what: string): ApiProduct[] {
  const issues: FieldIssue[] = []
  const found: ApiProduct[] = []
  names.forEach((name, i) => {
    const product = ws.apiProducts.find((p) => p.name === name)
    if (product) found.push(product)
    else issues.push({ field: `${field}.${i}`, message: `Product ${name} does not exist` })
  })
  if (issues.length > 0)
    throw new ConsoleError('validation', issues.length === 1 ? issues[0]!.message : `Invalid ${what}: ${issues.map((i) => i.message).join('; ')}`, issues)
  return found
}
