import { describe, expect, it } from 'vitest'
import { explainTrace } from '../../../src/engine/explain'
import { createMemoryTokenStore, hashToken } from '../../../src/engine/tokens'
import type { Fix } from '../../../src/shared/explain'
import type { Workspace } from '../../../src/shared/model'
import { NOW, sampleOrg } from '../kms/sample-org'
import { failedTrace, noMatch, tokenNoMatch } from './trace-fixture'

const fixById = (fixes: Fix[], id: string): Fix | undefined => fixes.find((f) => f.id === id)

describe('the three scenarios of the "no apiproduct match found" article', () => {
  it('scenario 1: App_Two token on API_One in test', () => {
    const ws = sampleOrg()
    const d = explainTrace(ws, tokenNoMatch('API_One', 'test', 'App_Two', 'app-two-key'))!
    expect(d.code).toBe('no-product-match')
    expect(d.faultName).toBe('InvalidAPICallAsNoApiProductMatchFound')
    expect(d.clientView).toEqual({
      status: 401,
      summary: 'keymanagement.service.InvalidAPICallAsNoApiProductMatchFound: Invalid API call as no apiproduct match found'
    })
    expect(d.cause).toBe("App_Two's key has only Product_Two, which does not include API_One")
    expect(d.gatewayView).toEqual(
      expect.arrayContaining([
        'Environment: test',
        'Proxy: API_One (base path /api-one)',
        'App: App_Two (approved), key app-two-key (approved)',
        'Products on the key: Product_Two (approved)'
      ])
    )
    expect(d.evidence.find((e) => e.label === 'Product_Two')).toEqual({
      label: 'Product_Two',
      ok: false,
      detail: 'Product_Two does not include API_One (it covers API_Two); Product_Two is enabled for prod only, not test'
    })
    expect(fixById(d.fixes, 'use-credential:app-one-key')).toEqual({
      id: 'use-credential:app-one-key',
      label: "Use App_One's credentials",
      method: 'workbench.useCredential',
      input: { app: 'App_One', consumerKey: 'app-one-key' },
      resend: true
    })
    expect(fixById(d.fixes, 'update-product:Product_Two')).toEqual({
      id: 'update-product:Product_Two',
      label: 'Add API_One and environment test to Product_Two',
      method: 'products.update',
      input: { name: 'Product_Two', patch: { environments: ['prod', 'test'], proxies: ['API_Two', 'API_One'] } },
      resend: true
    })
    expect(fixById(d.fixes, 'add-product:Product_One')).toMatchObject({
      label: "Add Product_One to App_Two's key",
      method: 'apps.addProducts',
      input: { app: 'App_Two', consumerKey: 'app-two-key', products: ['Product_One'] },
      resend: true
    })
    // Product_Manual needs manual approval: adding it alone does not fix the call
    expect(fixById(d.fixes, 'add-product:Product_Manual')).toMatchObject({ resend: false })
    expect(d.fixes.findIndex((f) => !f.resend)).toBeGreaterThan(d.fixes.findLastIndex((f) => f.resend))
  })

  it('scenario 2: App_One token on API_One in prod', () => {
    const d = explainTrace(sampleOrg(), tokenNoMatch('API_One', 'prod', 'App_One', 'app-one-key'))!
    expect(d.code).toBe('no-product-match')
    expect(d.cause).toBe("App_One's key has only Product_One, which is enabled for test only, not prod")
    expect(fixById(d.fixes, 'update-product:Product_One')).toEqual({
      id: 'update-product:Product_One',
      label: 'Add environment prod to Product_One',
      method: 'products.update',
      input: { name: 'Product_One', patch: { environments: ['test', 'prod'] } },
      resend: true
    })
    expect(fixById(d.fixes, 'use-environment:test')).toEqual({
      id: 'use-environment:test',
      label: 'Call API_One in test',
      method: 'workbench.useEnvironment',
      input: { environment: 'test' },
      resend: true
    })
    // nobody's key works for API_One in prod, so no credential swap is offered
    expect(d.fixes.filter((f) => f.method === 'workbench.useCredential')).toEqual([])
  })

  it('scenario 3 (comment): App_Three with Product_Manual pending', () => {
    const d = explainTrace(sampleOrg(), tokenNoMatch('API_One', 'test', 'App_Three', 'app-three-key'))!
    expect(d.code).toBe('no-product-match')
    expect(d.cause).toBe("App_Three's key has only Product_Manual, which is still pending approval on that key")
    expect(d.evidence.find((e) => e.label === 'Product_Manual')).toEqual({
      label: 'Product_Manual',
      ok: false,
      detail: 'Product_Manual is pending approval on this key'
    })
    expect(d.fixes[0]).toEqual({
      id: 'approve-product:Product_Manual',
      label: "Approve Product_Manual on App_Three's key",
      method: 'apps.setProductStatus',
      input: { app: 'App_Three', consumerKey: 'app-three-key', product: 'Product_Manual', status: 'approved' },
      resend: true
    })
  })

  it('finds the token through the token store when the trace has no client_id', () => {
    const store = createMemoryTokenStore([
      { kind: 'access_token', hash: hashToken('tok-123456789'), issuedAt: NOW, expiresAt: -1, status: 'approved', clientId: 'app-two-key', appName: 'App_Two', scope: '' }
    ])
    const trace = failedTrace({ proxy: 'API_One', environment: 'test', status: 401, fault: noMatch, headers: [['Authorization', 'Bearer tok-********']] })
    const d = explainTrace(sampleOrg(), trace, { accessToken: 'tok-123456789', tokenByHash: (h) => store.get('access_token', h) })!
    expect(d.cause).toBe("App_Two's key has only Product_Two, which does not include API_One")
    expect(d.gatewayView).toContain('Token issued to: App_Two (client_id app-two-key)')
  })

  it('without any way to know the app, says so honestly and still offers working credentials', () => {
    const trace = failedTrace({ proxy: 'API_One', environment: 'test', status: 401, fault: noMatch, headers: [['Authorization', 'Bearer tok-********']] })
    const d = explainTrace(sampleOrg(), trace)!
    expect(d.code).toBe('no-product-match')
    expect(d.cause).toContain('the trace does not say which app the token belongs to')
    expect(d.fixes.map((f) => f.id)).toEqual(['use-credential:app-one-key'])
  })
})

const vkFault = (name: string, errorcode: string, faultstring: string) => ({ name, errorcode, faultstring, policy: 'VK' })

function keyTrace(ws: Workspace, fault: ReturnType<typeof vkFault>, key: string, environment = 'test') {
  void ws
  return failedTrace({ proxy: 'API_One', environment, status: 401, fault, policyType: 'VerifyAPIKey', variables: { 'verifyapikey.VK.client_id': key } })
}

describe('credential causes (VerifyAPIKey and VerifyAccessToken)', () => {
  const rows: Array<{
    label: string
    breakIt: (ws: Workspace) => void
    fault: ReturnType<typeof vkFault>
    code: string
    cause: string
    fix: Fix
  }> = [
    {
      label: 'app revoked',
      breakIt: (ws) => void (ws.apps[0]!.status = 'revoked'),
      fault: vkFault('invalid_client-app_not_approved', 'keymanagement.service.invalid_client-app_not_approved', 'App not Approved'),
      code: 'app-revoked',
      cause: 'The app App_One is revoked',
      fix: { id: 'approve-app:App_One', label: 'Approve the app App_One', method: 'apps.setStatus', input: { app: 'App_One', status: 'approved' }, resend: true }
    },
    {
      label: 'developer inactive',
      breakIt: (ws) => void (ws.developers[0]!.status = 'inactive'),
      fault: vkFault('DeveloperStatusNotActive', 'keymanagement.service.DeveloperStatusNotActive', 'Developer Status is not Active'),
      code: 'developer-inactive',
      cause: 'The developer dev.one@example.com, owner of App_One, is inactive',
      fix: {
        id: 'activate-developer:dev.one@example.com',
        label: 'Activate the developer dev.one@example.com',
        method: 'developers.setStatus',
        input: { email: 'dev.one@example.com', status: 'active' },
        resend: true
      }
    },
    {
      label: 'key revoked',
      breakIt: (ws) => void (ws.apps[0]!.credentials[0]!.status = 'revoked'),
      fault: vkFault('ApiKeyNotApproved', 'oauth.v2.ApiKeyNotApproved', 'ApiKey not approved'),
      code: 'credential-revoked',
      cause: "App_One's key is revoked",
      fix: {
        id: 'approve-key:app-one-key',
        label: "Approve App_One's key",
        method: 'apps.setCredentialStatus',
        input: { app: 'App_One', consumerKey: 'app-one-key', status: 'approved' },
        resend: true
      }
    },
    {
      label: 'key expired',
      breakIt: (ws) => void (ws.apps[0]!.credentials[0]!.expiresAt = NOW - 1),
      fault: vkFault('consumer_key_expired', 'keymanagement.service.consumer_key_expired', 'Key Expired'),
      code: 'credential-expired',
      cause: `App_One's key expired at ${new Date(NOW - 1).toISOString()}`,
      fix: {
        id: 'new-key:App_One',
        label: 'Generate a new key for App_One (the client must then use it)',
        method: 'apps.generateCredential',
        input: { app: 'App_One', products: ['Product_One'] },
        resend: false
      }
    }
  ]
  for (const row of rows) {
    it(`VerifyAPIKey: ${row.label}`, () => {
      const ws = sampleOrg()
      row.breakIt(ws)
      const d = explainTrace(ws, keyTrace(ws, row.fault, 'app-one-key'))!
      expect(d.code).toBe(row.code)
      expect(d.cause).toBe(row.cause)
      expect(d.fixes).toContainEqual(row.fix)
      expect(d.evidence.filter((e) => !e.ok).length).toBe(1)
    })

    it(`VerifyAccessToken: ${row.label}`, () => {
      const ws = sampleOrg()
      row.breakIt(ws)
      const trace = failedTrace({
        proxy: 'API_One',
        environment: 'test',
        status: 401,
        fault: { ...row.fault, policy: 'VerifyToken' },
        headers: [['Authorization', 'Bearer abcd********']],
        variables: { client_id: 'app-one-key', 'developer.app.name': 'App_One' }
      })
      const d = explainTrace(ws, trace)!
      expect(d.code).toBe(row.code)
      expect(d.cause).toBe(`${row.cause}, so its tokens are rejected`)
      expect(d.fixes).toContainEqual(row.fix)
    })
  }

  it('VerifyAPIKey no match explains per product', () => {
    const ws = sampleOrg()
    const d = explainTrace(
      ws,
      keyTrace(ws, vkFault('InvalidApiKeyForGivenResource', 'oauth.v2.InvalidApiKeyForGivenResource', 'Invalid ApiKey for given resource'), 'app-one-key', 'prod')
    )!
    expect(d.code).toBe('no-product-match')
    expect(d.cause).toBe("App_One's key has only Product_One, which is enabled for test only, not prod")
  })

  it('an unknown API key offers the credentials that work', () => {
    const ws = sampleOrg()
    const trace = failedTrace({
      proxy: 'API_One',
      environment: 'test',
      status: 401,
      fault: vkFault('InvalidApiKey', 'oauth.v2.InvalidApiKey', 'Invalid ApiKey'),
      policyType: 'VerifyAPIKey'
    })
    const d = explainTrace(ws, trace)!
    expect(d.code).toBe('unknown-key')
    expect(d.fixes.map((f) => f.id)).toEqual(['use-credential:app-one-key'])
  })

  it('says when the setup changed since the request', () => {
    const ws = sampleOrg()
    ws.apps[2]!.credentials[0]!.apiProducts[0]!.status = 'approved'
    const d = explainTrace(ws, tokenNoMatch('API_One', 'test', 'App_Three', 'app-three-key'))!
    expect(d.code).toBe('setup-changed')
    expect(d.fixes).toEqual([{ id: 'resend', label: 'Send the request again', method: 'workbench.resend', input: {}, resend: true }])
  })
})
