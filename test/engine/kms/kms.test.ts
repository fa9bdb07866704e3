import { describe, expect, it } from 'vitest'
import {
  checkCredential,
  decideAccess,
  grantableScopes,
  resolveProductMatch,
  resolveRequestedScope,
  type ApiCall
} from '../../../src/engine/kms'
import type { ApiProduct, Workspace } from '../../../src/shared/model'
import { apiProductSchema } from '../../../src/shared/model'
import { NOW, sampleOrg } from './sample-org'

const call = (proxy: string, environment: string, pathsuffix = '/items', verb = 'GET'): ApiCall => ({
  proxy,
  environment,
  pathsuffix,
  verb
})

function app(ws: Workspace, name: string) {
  return ws.apps.find((a) => a.name === name)!
}

describe('checkCredential: check order of reference section 3', () => {
  it('accepts a valid key and resolves app, developer and credential', () => {
    const d = checkCredential(sampleOrg(), 'app-one-key', NOW)
    expect(d.ok).toBe(true)
    if (d.ok) {
      expect(d.app.name).toBe('App_One')
      expect(d.developer.email).toBe('dev.one@example.com')
      expect(d.credential.consumerKey).toBe('app-one-key')
    }
  })

  it('unknown key, exact and case-sensitive', () => {
    expect(checkCredential(sampleOrg(), 'nope', NOW)).toMatchObject({ ok: false, failure: 'unknown-key', resolved: {} })
    expect(checkCredential(sampleOrg(), 'APP-ONE-KEY', NOW)).toMatchObject({ ok: false, failure: 'unknown-key' })
  })

  // Each row breaks everything from its stage on; the earliest stage must win.
  const rows: Array<[string, (ws: Workspace) => void, string]> = [
    [
      'revoked key beats expiry, app and developer',
      (ws) => {
        const a = app(ws, 'App_One')
        a.credentials[0]!.status = 'revoked'
        a.credentials[0]!.expiresAt = NOW - 1
        a.status = 'revoked'
        ws.developers[0]!.status = 'inactive'
      },
      'credential-revoked'
    ],
    [
      'expired key beats app and developer',
      (ws) => {
        const a = app(ws, 'App_One')
        a.credentials[0]!.expiresAt = NOW
        a.status = 'revoked'
        ws.developers[0]!.status = 'inactive'
      },
      'credential-expired'
    ],
    [
      'revoked app beats developer',
      (ws) => {
        app(ws, 'App_One').status = 'revoked'
        ws.developers[0]!.status = 'inactive'
      },
      'app-revoked'
    ],
    ['inactive developer', (ws) => void (ws.developers[0]!.status = 'inactive'), 'developer-inactive']
  ]
  for (const [label, breakIt, failure] of rows) {
    it(label, () => {
      const ws = sampleOrg()
      breakIt(ws)
      const d = checkCredential(ws, 'app-one-key', NOW)
      expect(d).toMatchObject({ ok: false, failure })
      if (!d.ok) expect(d.resolved.app?.name).toBe('App_One')
    })
  }

  it('a key that expires later, or never (-1), is valid', () => {
    const ws = sampleOrg()
    app(ws, 'App_One').credentials[0]!.expiresAt = NOW + 1
    expect(checkCredential(ws, 'app-one-key', NOW).ok).toBe(true)
    app(ws, 'App_One').credentials[0]!.expiresAt = -1
    expect(checkCredential(ws, 'app-one-key', NOW).ok).toBe(true)
  })

  it('credential failures come before product matching in decideAccess', () => {
    const ws = sampleOrg()
    app(ws, 'App_Two').status = 'revoked'
    expect(decideAccess(ws, 'app-two-key', call('API_One', 'test'), NOW)).toMatchObject({
      allowed: false,
      stage: 'credential',
      failure: 'app-revoked',
      reason: 'The app App_Two is revoked'
    })
  })
})

function withProduct(patch: Partial<ApiProduct>, status: 'approved' | 'pending' | 'revoked' = 'approved'): Workspace {
  const ws = sampleOrg()
  ws.apiProducts.push(apiProductSchema.parse({ name: 'P', ...patch }))
  app(ws, 'App_One').credentials[0]!.apiProducts = [{ apiproduct: 'P', status }]
  return ws
}
const matchesP = (ws: Workspace, c: ApiCall): boolean =>
  resolveProductMatch(ws, app(ws, 'App_One').credentials[0]!.apiProducts, c).product?.name === 'P'

describe('resolveProductMatch: rules of reference 4.2', () => {
  it('rule 1: only approved entries are candidates; pending and revoked give no match with the reason', () => {
    for (const status of ['pending', 'revoked'] as const) {
      const ws = withProduct({}, status)
      const m = resolveProductMatch(ws, app(ws, 'App_One').credentials[0]!.apiProducts, call('API_One', 'test'))
      expect(m.product).toBeNull()
      expect(m.evaluations[0]).toMatchObject({
        product: 'P',
        entryStatus: status,
        matched: false,
        approval: { ok: false, detail: `P is ${status === 'pending' ? 'pending approval' : 'revoked'} on this key` },
        environment: { ok: true },
        proxy: { ok: true }
      })
    }
  })

  it('rule 2: empty environments = all; otherwise the environment must be listed', () => {
    expect(matchesP(withProduct({}), call('API_One', 'prod'))).toBe(true)
    const ws = withProduct({ environments: ['test'] })
    expect(matchesP(ws, call('API_One', 'test'))).toBe(true)
    const m = resolveProductMatch(ws, app(ws, 'App_One').credentials[0]!.apiProducts, call('API_One', 'prod'))
    expect(m.product).toBeNull()
    expect(m.evaluations[0]!.environment).toEqual({ ok: false, detail: 'P is enabled for test only, not prod' })
  })

  it('rule 3: empty proxies = any proxy of the org; otherwise the proxy must be listed', () => {
    expect(matchesP(withProduct({}), call('API_Two', 'test'))).toBe(true)
    const ws = withProduct({ proxies: ['API_One'] })
    expect(matchesP(ws, call('API_One', 'test'))).toBe(true)
    const m = resolveProductMatch(ws, app(ws, 'App_One').credentials[0]!.apiProducts, call('API_Two', 'test'))
    expect(m.evaluations[0]!.proxy).toEqual({ ok: false, detail: 'P does not include API_Two (it covers API_One)' })
  })

  it('rules 4, 8, 9: resources match proxy.pathsuffix; the bare base path needs "/"', () => {
    const ws = withProduct({ proxies: ['API_One'], apiResources: ['/forecastrss'] })
    expect(matchesP(ws, call('API_One', 'test', '/forecastrss'))).toBe(true)
    expect(matchesP(ws, call('API_One', 'test', '/api-one/forecastrss'))).toBe(false)
    expect(matchesP(ws, call('API_One', 'test', ''))).toBe(false)
    expect(matchesP(withProduct({ apiResources: ['/'] }), call('API_One', 'test', ''))).toBe(true)
    expect(matchesP(withProduct({ apiResources: [] }), call('API_One', 'test', '/any/thing'))).toBe(true)
  })

  it('legacy products do not restrict methods', () => {
    expect(matchesP(withProduct({ apiResources: ['/a'] }), call('API_One', 'test', '/a', 'DELETE'))).toBe(true)
  })

  describe('rule 5: operation groups replace product-level proxy and resource checks', () => {
    const grouped = (): Workspace =>
      withProduct({
        // product-level lists that would otherwise refuse: they must be ignored
        proxies: ['API_Two'],
        apiResources: ['/nothing'],
        operationGroup: {
          operationConfigType: 'proxy',
          operationConfigs: [
            {
              apiSource: 'API_One',
              operations: [
                { resource: '/*/users', methods: ['GET'] },
                { resource: '/*/users/*', methods: ['GET', 'PUT'] }
              ],
              attributes: [{ name: 'role', value: 'viewer' }]
            }
          ]
        }
      })

    it('allows a listed verb on a matching resource and reports the operation', () => {
      const ws = grouped()
      const m = resolveProductMatch(ws, app(ws, 'App_One').credentials[0]!.apiProducts, call('API_One', 'test', '/token/users/1', 'put'))
      expect(m.product?.name).toBe('P')
      expect(m.operation).toEqual({ resource: '/*/users/*', methods: ['GET', 'PUT'], attributes: { role: 'viewer' } })
    })

    it('refuses a verb the matching operation does not list (viewer POST /token/users)', () => {
      const ws = grouped()
      const m = resolveProductMatch(ws, app(ws, 'App_One').credentials[0]!.apiProducts, call('API_One', 'test', '/token/users', 'POST'))
      expect(m.product).toBeNull()
      expect(m.evaluations[0]).toMatchObject({
        proxy: { ok: true },
        resource: { ok: true },
        method: { ok: false, detail: 'P allows only GET on /token/users, not POST' }
      })
    })

    it('refuses a path no operation covers, and a proxy that is no operation source', () => {
      const ws = grouped()
      const entries = app(ws, 'App_One').credentials[0]!.apiProducts
      const byPath = resolveProductMatch(ws, entries, call('API_One', 'test', '/token/groups', 'GET'))
      expect(byPath.product).toBeNull()
      expect(byPath.evaluations[0]!.resource.ok).toBe(false)
      const byProxy = resolveProductMatch(ws, entries, call('API_Two', 'test', '/token/users', 'GET'))
      expect(byProxy.product).toBeNull()
      expect(byProxy.evaluations[0]!.proxy).toEqual({ ok: false, detail: 'P has no operation for API_Two (its operations cover API_One)' })
    })

    it('empty methods on an operation allow every verb', () => {
      const ws = withProduct({
        operationGroup: { operationConfigType: 'proxy', operationConfigs: [{ apiSource: 'API_One', operations: [{ resource: '/', methods: [] }], attributes: [] }] }
      })
      expect(matchesP(ws, call('API_One', 'test', '/x', 'PATCH'))).toBe(true)
    })
  })

  it('missing product: entry names a product that does not exist', () => {
    const ws = sampleOrg()
    const m = resolveProductMatch(ws, [{ apiproduct: 'Ghost', status: 'approved' }], call('API_One', 'test'))
    expect(m.product).toBeNull()
    expect(m.evaluations[0]).toMatchObject({ product: 'Ghost', exists: false, matched: false, proxy: { ok: false, detail: 'Ghost does not exist in the organization' } })
  })

  it('rule 7: the first matching entry in credential order supplies the product', () => {
    const ws = sampleOrg()
    const m = resolveProductMatch(
      ws,
      [
        { apiproduct: 'Product_Two', status: 'approved' },
        { apiproduct: 'Product_Manual', status: 'approved' },
        { apiproduct: 'Product_One', status: 'approved' }
      ],
      call('API_One', 'test')
    )
    expect(m.product?.name).toBe('Product_Manual')
    expect(m.evaluations.map((e) => e.matched)).toEqual([false, true, true])
  })
})

describe('decideAccess on the article organization', () => {
  it('App_One on API_One in test is allowed through Product_One', () => {
    const d = decideAccess(sampleOrg(), 'app-one-key', call('API_One', 'test'), NOW)
    expect(d.allowed).toBe(true)
    if (d.allowed) expect(d.match.product?.name).toBe('Product_One')
  })

  it('scenario 1: App_Two on API_One in test', () => {
    expect(decideAccess(sampleOrg(), 'app-two-key', call('API_One', 'test'), NOW)).toMatchObject({
      allowed: false,
      stage: 'product',
      failure: 'no-product-match',
      reason: "App_Two's key has only Product_Two, which does not include API_One"
    })
  })

  it('scenario 2: App_One on API_One in prod', () => {
    expect(decideAccess(sampleOrg(), 'app-one-key', call('API_One', 'prod'), NOW)).toMatchObject({
      allowed: false,
      stage: 'product',
      reason: "App_One's key has only Product_One, which is enabled for test only, not prod"
    })
  })

  it('scenario 3: App_Three with Product_Manual pending', () => {
    expect(decideAccess(sampleOrg(), 'app-three-key', call('API_One', 'test'), NOW)).toMatchObject({
      allowed: false,
      stage: 'product',
      reason: "App_Three's key has only Product_Manual, which is still pending approval on that key"
    })
  })
})

describe('scopes (reference 4.2 rule 6)', () => {
  const ws = (): Workspace => {
    const w = sampleOrg()
    w.apiProducts.find((p) => p.name === 'Product_Manual')!.scopes = ['A', 'B', 'C']
    app(w, 'App_One').credentials[0]!.apiProducts.push({ apiproduct: 'Product_Manual', status: 'pending' })
    return w
  }
  const cred = (w: Workspace) => app(w, 'App_One').credentials[0]!

  it('grantable = union of the scopes of approved and pending products, without revoked ones', () => {
    const w = ws()
    expect(grantableScopes(w, cred(w))).toEqual(['read', 'A', 'B', 'C'])
    cred(w).apiProducts[1]!.status = 'revoked'
    expect(grantableScopes(w, cred(w))).toEqual(['read'])
  })

  it('no requested scope gives the whole list; a request filters; nothing grantable is refused', () => {
    const w = ws()
    expect(resolveRequestedScope(w, cred(w), undefined)).toEqual({ ok: true, scope: 'read A B C' })
    expect(resolveRequestedScope(w, cred(w), '  ')).toEqual({ ok: true, scope: 'read A B C' })
    expect(resolveRequestedScope(w, cred(w), 'A X')).toEqual({ ok: true, scope: 'A' })
    expect(resolveRequestedScope(w, cred(w), 'C A C')).toEqual({ ok: true, scope: 'C A' })
    expect(resolveRequestedScope(w, cred(w), 'X Y')).toEqual({ ok: false })
  })
})
