import { describe, expect, it } from 'vitest'
import { verifyApiKeyPolicy } from '../../../src/engine/policies/verify-api-key'
import { policyHandlers } from '../../../src/engine/policies'
import type { Workspace } from '../../../src/shared/model'
import { NOW, sampleOrg } from '../kms/sample-org'
import { callVariables, compilePolicy, runPolicy } from './fake-context'

const byQuery = `<VerifyAPIKey name="VK"><APIKey ref="request.queryparam.apikey"/></VerifyAPIKey>`
const { config } = compilePolicy(verifyApiKeyPolicy, byQuery)

function appOf(ws: Workspace, name: string) {
  return ws.apps.find((a) => a.name === name)!
}

async function verify(ws: Workspace, key: string | undefined, call = callVariables('API_One', 'test')) {
  return runPolicy(verifyApiKeyPolicy, config, {
    ws,
    now: NOW,
    variables: key === undefined ? call : { ...call, 'request.queryparam.apikey': key }
  })
}

const body = (faultstring: string, errorcode: string): string => JSON.stringify({ fault: { faultstring, detail: { errorcode } } })

describe('VerifyAPIKey faults (reference 2.2)', () => {
  const rows: Array<{ label: string; key: string | undefined; setup?: (ws: Workspace) => void; call?: Record<string, string>; name: string; status: number; body: string }> = [
    {
      label: 'key variable unresolved',
      key: undefined,
      name: 'FailedToResolveAPIKey',
      status: 401,
      body: body('Failed to resolve API Key variable request.queryparam.apikey', 'steps.oauth.v2.FailedToResolveAPIKey')
    },
    { label: 'unknown key', key: 'no-such-key', name: 'InvalidApiKey', status: 401, body: body('Invalid ApiKey', 'oauth.v2.InvalidApiKey') },
    { label: 'empty key', key: '', name: 'InvalidApiKey', status: 401, body: body('Invalid ApiKey', 'oauth.v2.InvalidApiKey') },
    {
      label: 'key revoked',
      key: 'app-one-key',
      setup: (ws) => void (appOf(ws, 'App_One').credentials[0]!.status = 'revoked'),
      name: 'ApiKeyNotApproved',
      status: 401,
      body: body('ApiKey not approved', 'oauth.v2.ApiKeyNotApproved')
    },
    {
      label: 'key expired',
      key: 'app-one-key',
      setup: (ws) => void (appOf(ws, 'App_One').credentials[0]!.expiresAt = NOW - 1000),
      name: 'consumer_key_expired',
      status: 401,
      body: body('Key Expired', 'keymanagement.service.consumer_key_expired')
    },
    {
      label: 'app revoked',
      key: 'app-one-key',
      setup: (ws) => void (appOf(ws, 'App_One').status = 'revoked'),
      name: 'invalid_client-app_not_approved',
      status: 401,
      body: body('App not Approved', 'keymanagement.service.invalid_client-app_not_approved')
    },
    {
      label: 'developer inactive',
      key: 'app-one-key',
      setup: (ws) => void (ws.developers[0]!.status = 'inactive'),
      name: 'DeveloperStatusNotActive',
      status: 401,
      body: body('Developer Status is not Active', 'keymanagement.service.DeveloperStatusNotActive')
    },
    {
      label: 'product lacks the proxy (scenario 1)',
      key: 'app-two-key',
      name: 'InvalidApiKeyForGivenResource',
      status: 401,
      body: body('Invalid ApiKey for given resource', 'oauth.v2.InvalidApiKeyForGivenResource')
    },
    {
      label: 'product not enabled for the environment (scenario 2)',
      key: 'app-one-key',
      call: callVariables('API_One', 'prod'),
      name: 'InvalidApiKeyForGivenResource',
      status: 401,
      body: body('Invalid ApiKey for given resource', 'oauth.v2.InvalidApiKeyForGivenResource')
    },
    {
      label: 'product pending on the key (scenario 3)',
      key: 'app-three-key',
      name: 'InvalidApiKeyForGivenResource',
      status: 401,
      body: body('Invalid ApiKey for given resource', 'oauth.v2.InvalidApiKeyForGivenResource')
    },
    {
      label: 'product revoked on the key',
      key: 'app-one-key',
      setup: (ws) => void (appOf(ws, 'App_One').credentials[0]!.apiProducts[0]!.status = 'revoked'),
      name: 'InvalidApiKeyForGivenResource',
      status: 401,
      body: body('Invalid ApiKey for given resource', 'oauth.v2.InvalidApiKeyForGivenResource')
    },
    {
      label: 'path not in product resources',
      key: 'app-one-key',
      setup: (ws) => void (ws.apiProducts[0]!.apiResources = ['/forecast']),
      call: callVariables('API_One', 'test', '/other'),
      name: 'InvalidApiKeyForGivenResource',
      status: 401,
      body: body('Invalid ApiKey for given resource', 'oauth.v2.InvalidApiKeyForGivenResource')
    },
    {
      label: 'verb not in the operation',
      key: 'app-one-key',
      setup: (ws) =>
        void (ws.apiProducts[0]!.operationGroup = {
          operationConfigType: 'proxy',
          operationConfigs: [{ apiSource: 'API_One', operations: [{ resource: '/*/users', methods: ['GET'] }], attributes: [] }]
        }),
      call: callVariables('API_One', 'test', '/token/users', 'POST'),
      name: 'InvalidApiKeyForGivenResource',
      status: 401,
      body: body('Invalid ApiKey for given resource', 'oauth.v2.InvalidApiKeyForGivenResource')
    }
  ]
  for (const row of rows) {
    it(`${row.label} -> ${row.status} ${row.name}`, async () => {
      const ws = sampleOrg()
      row.setup?.(ws)
      const result = await verify(ws, row.key, row.call)
      expect(result.fault).toMatchObject({ name: row.name, status: row.status, body: row.body })
      expect(result.variables.get('verifyapikey.VK.failed')).toBe('true')
      expect(result.variables.get('verifyapikey.VK.apiproduct.name')).toBeUndefined()
      expect(result.variables.get('apiproduct.name')).toBeUndefined()
    })
  }

  it('the no-match fault carries the plain reason as fault cause', async () => {
    const result = await verify(sampleOrg(), 'app-two-key')
    expect(result.fault?.cause).toBe("App_Two's key has only Product_Two, which does not include API_One")
    // the app is known even though no product matched; explanations read it
    expect(result.variables.get('verifyapikey.VK.developer.app.name')).toBe('App_Two')
    expect(result.variables.get('verifyapikey.VK.client_id')).toBe('app-two-key')
    expect(result.variables.get('client_id')).toBe('app-two-key')
    expect(result.variables.get('developer.app.name')).toBe('App_Two')
  })
})

describe('VerifyAPIKey success variables (reference 5.2)', () => {
  it('sets app, developer and product variables under verifyapikey.<policy>.', async () => {
    const ws = sampleOrg()
    ws.apiProducts[0]!.attributes = [{ name: 'tier', value: 'silver' }]
    ws.apiProducts[0]!.quota = '100'
    ws.apiProducts[0]!.quotaInterval = '1'
    ws.apiProducts[0]!.quotaTimeUnit = 'minute'
    const result = await verify(ws, 'app-one-key')
    expect(result.fault).toBeNull()
    const v = (n: string) => result.variables.get(`verifyapikey.VK.${n}`)
    expect({
      client_id: v('client_id'),
      client_secret: v('client_secret'),
      redirection_uris: v('redirection_uris'),
      'developer.app.id': v('developer.app.id'),
      'developer.app.name': v('developer.app.name'),
      'developer.id': v('developer.id'),
      'developer.email': v('developer.email'),
      'developer.status': v('developer.status'),
      'developer.apps': v('developer.apps'),
      'app.name': v('app.name'),
      'app.id': v('app.id'),
      'app.status': v('app.status'),
      'app.appType': v('app.appType'),
      'app.apiproducts': v('app.apiproducts'),
      'app.team': v('app.team'),
      'apiproduct.name': v('apiproduct.name'),
      'apiproduct.tier': v('apiproduct.tier'),
      'apiproduct.developer.quota.limit': v('apiproduct.developer.quota.limit'),
      'apiproduct.developer.quota.interval': v('apiproduct.developer.quota.interval'),
      'apiproduct.developer.quota.timeunit': v('apiproduct.developer.quota.timeunit'),
      failed: v('failed')
    }).toEqual({
      client_id: 'app-one-key',
      client_secret: 'app-one-secret',
      redirection_uris: 'https://one.example.com/cb',
      'developer.app.id': 'app-one-id',
      'developer.app.name': 'App_One',
      'developer.id': 'dev-one',
      'developer.email': 'dev.one@example.com',
      'developer.status': 'active',
      'developer.apps': '[App_One, App_Three]',
      'app.name': 'App_One',
      'app.id': 'app-one-id',
      'app.status': 'approved',
      'app.appType': 'Developer',
      'app.apiproducts': '[Product_One]',
      'app.team': 'blue',
      'apiproduct.name': 'Product_One',
      'apiproduct.tier': 'silver',
      'apiproduct.developer.quota.limit': '100',
      'apiproduct.developer.quota.interval': '1',
      'apiproduct.developer.quota.timeunit': 'minute',
      failed: 'false'
    })
    expect(result.variables.get('client_id')).toBe('app-one-key')
    expect(result.variables.get('developer.app.name')).toBe('App_One')
    expect(result.variables.get('apiproduct.name')).toBe('Product_One')
  })

  it('sets apiproduct.operation* for operation-group products, with the operation quota', async () => {
    const ws = sampleOrg()
    ws.apiProducts[0]!.quota = '100'
    ws.apiProducts[0]!.operationGroup = {
      operationConfigType: 'proxy',
      operationConfigs: [
        {
          apiSource: 'API_One',
          operations: [{ resource: '/*/users', methods: ['GET', 'HEAD'] }],
          quota: { limit: '5', interval: '1', timeUnit: 'hour' },
          attributes: [{ name: 'role', value: 'viewer' }]
        }
      ]
    }
    const result = await verify(ws, 'app-one-key', callVariables('API_One', 'test', '/token/users', 'GET'))
    expect(result.fault).toBeNull()
    expect(result.variables.get('apiproduct.operation.resource')).toBe('/*/users')
    expect(result.variables.get('apiproduct.operation.methods')).toBe('[GET, HEAD]')
    expect(result.variables.get('apiproduct.operation.attributes.role')).toBe('viewer')
    expect(result.variables.get('verifyapikey.VK.apiproduct.developer.quota.limit')).toBe('5')
    expect(result.variables.get('verifyapikey.VK.apiproduct.developer.quota.timeunit')).toBe('hour')
  })
})

describe('VerifyAPIKey configuration', () => {
  it('deployment error SpecifyValueOrRefApiKey when APIKey has neither ref nor value', () => {
    for (const xml of [`<VerifyAPIKey name="VK"><APIKey/></VerifyAPIKey>`, `<VerifyAPIKey name="VK"/>`]) {
      const { errors } = compilePolicy(verifyApiKeyPolicy, xml)
      expect(errors.map((e) => e.code)).toEqual(['SpecifyValueOrRefApiKey'])
    }
    expect(compilePolicy(verifyApiKeyPolicy, byQuery).errors).toEqual([])
  })

  it('a literal key value works, and is the fallback when the ref is unresolved', async () => {
    const literal = compilePolicy(verifyApiKeyPolicy, `<VerifyAPIKey name="VK"><APIKey>app-one-key</APIKey></VerifyAPIKey>`).config
    const r1 = await runPolicy(verifyApiKeyPolicy, literal, { ws: sampleOrg(), now: NOW, variables: callVariables('API_One', 'test') })
    expect(r1.fault).toBeNull()
    const both = compilePolicy(verifyApiKeyPolicy, `<VerifyAPIKey name="VK"><APIKey ref="request.header.x-apikey">app-two-key</APIKey></VerifyAPIKey>`).config
    const r2 = await runPolicy(verifyApiKeyPolicy, both, {
      ws: sampleOrg(),
      now: NOW,
      variables: { ...callVariables('API_One', 'test'), 'request.header.x-apikey': 'app-one-key' }
    })
    expect(r2.fault).toBeNull()
    expect(r2.variables.get('verifyapikey.VK.developer.app.name')).toBe('App_One')
    const r3 = await runPolicy(verifyApiKeyPolicy, both, { ws: sampleOrg(), now: NOW, variables: callVariables('API_One', 'test') })
    expect(r3.fault?.name).toBe('InvalidApiKeyForGivenResource')
  })

  it('is registered under VerifyAPIKey with the oauthV2 fault variable prefix', () => {
    expect(policyHandlers.get('VerifyAPIKey')).toBe(verifyApiKeyPolicy)
    expect(verifyApiKeyPolicy.faultVariablePrefix).toBe('oauthV2')
  })
})
