import { describe, expect, it } from 'vitest'
import { deleteOAuthV2InfoPolicy, getOAuthV2InfoPolicy, setOAuthV2InfoPolicy } from '../../../src/engine/policies/oauthv2-info'
import { policyHandlers } from '../../../src/engine/policies'
import { createMemoryTokenStore, hashToken } from '../../../src/engine/tokens'
import type { TokenRecord } from '../../../src/shared/tokens'
import { NOW, sampleOrg } from '../kms/sample-org'
import { callVariables, compilePolicy, runPolicy } from './fake-context'

const body = (faultstring: string, errorcode: string): string => JSON.stringify({ fault: { faultstring, detail: { errorcode } } })

function accessRecord(token: string, patch: Partial<TokenRecord> = {}): TokenRecord {
  return {
    kind: 'access_token',
    hash: hashToken(token),
    issuedAt: NOW - 60_000,
    expiresAt: NOW + 1_800_000,
    status: 'approved',
    clientId: 'app-one-key',
    appId: 'app-one-id',
    appName: 'App_One',
    developerId: 'dev-one',
    developerEmail: 'dev.one@example.com',
    products: ['Product_One'],
    scope: 'read',
    grantType: 'authorization_code',
    organization: 'sample',
    attributes: [{ name: 'tenant', value: 'acme', display: true }],
    refreshCount: 2,
    ...patch
  }
}

function store() {
  return createMemoryTokenStore([
    accessRecord('good-token', { pairedHash: hashToken('good-refresh') }),
    {
      kind: 'refresh_token',
      hash: hashToken('good-refresh'),
      issuedAt: NOW - 60_000,
      refreshIssuedAt: NOW - 120_000,
      expiresAt: NOW + 3_600_000,
      status: 'approved',
      clientId: 'app-one-key',
      appName: 'App_One',
      pairedHash: hashToken('good-token')
    },
    accessRecord('expired-token', { expiresAt: NOW - 1 }),
    accessRecord('revoked-token', { status: 'revoked', revokeReason: 'REVOKED_BY_APP' }),
    accessRecord('app-two-token', { clientId: 'app-two-key', appName: 'App_Two', products: ['Product_Two'] }),
    {
      kind: 'refresh_token',
      hash: hashToken('expired-refresh'),
      issuedAt: NOW - 60_000,
      expiresAt: NOW - 1,
      status: 'approved',
      clientId: 'app-one-key'
    },
    {
      kind: 'authorization_code',
      hash: hashToken('good-code'),
      issuedAt: NOW - 1000,
      expiresAt: NOW + 600_000,
      status: 'approved',
      clientId: 'app-one-key',
      scope: 'read',
      redirectUri: 'https://one.example.com/cb',
      attributes: [{ name: 'nonce', value: 'n1', display: true }]
    },
    {
      kind: 'authorization_code',
      hash: hashToken('expired-code'),
      issuedAt: NOW - 1000,
      expiresAt: NOW - 1,
      status: 'approved',
      clientId: 'app-one-key'
    }
  ])
}

const getXml = (element: string, extra = ''): string =>
  `<GetOAuthV2Info name="GI"><${element} ref="input.value"/>${extra}</GetOAuthV2Info>`

async function get(element: string, value: string | undefined, opts: { extra?: string; call?: Record<string, string> } = {}) {
  const { config, errors } = compilePolicy(getOAuthV2InfoPolicy, getXml(element, opts.extra))
  expect(errors).toEqual([])
  const variables = { ...(opts.call ?? callVariables('API_One', 'test')), ...(value === undefined ? {} : { 'input.value': value }) }
  return runPolicy(getOAuthV2InfoPolicy, config, { ws: sampleOrg(), now: NOW, variables, tokens: store(), policyName: 'GI' })
}

describe('GetOAuthV2Info faults (reference 2.4)', () => {
  const rows: Array<[string, string, string | undefined, string, number, string, Record<string, string>?]> = [
    ['unknown access token', 'AccessToken', 'nope', 'invalid_access_token', 500, body('Invalid Access Token', 'keymanagement.service.invalid_access_token')],
    ['unresolved access token variable', 'AccessToken', undefined, 'invalid_access_token', 500, body('Invalid Access Token', 'keymanagement.service.invalid_access_token')],
    ['expired access token', 'AccessToken', 'expired-token', 'access_token_expired', 500, body('Access Token expired', 'keymanagement.service.access_token_expired')],
    ['revoked access token', 'AccessToken', 'revoked-token', 'invalid_access_token', 500, body('Invalid Access Token', 'keymanagement.service.invalid_access_token')],
    [
      "token's products do not cover the calling proxy",
      'AccessToken',
      'app-two-token',
      'InvalidAPICallAsNoApiProductMatchFound',
      401,
      body('Invalid API call as no apiproduct match found', 'keymanagement.service.InvalidAPICallAsNoApiProductMatchFound')
    ],
    ['unknown refresh token', 'RefreshToken', 'nope', 'invalid_refresh_token', 500, body('Invalid Refresh Token', 'keymanagement.service.invalid_refresh_token')],
    ['expired refresh token', 'RefreshToken', 'expired-refresh', 'refresh_token_expired', 500, body('Refresh Token expired', 'keymanagement.service.refresh_token_expired')],
    [
      'unknown authorization code',
      'AuthorizationCode',
      'nope',
      'invalid_request-authorization_code_invalid',
      500,
      body('Invalid Authorization Code', 'keymanagement.service.invalid_request-authorization_code_invalid')
    ],
    [
      'expired authorization code',
      'AuthorizationCode',
      'expired-code',
      'authorization_code_expired',
      500,
      body('Authorization Code expired', 'keymanagement.service.authorization_code_expired')
    ],
    [
      'unknown client id',
      'ClientId',
      'nope',
      'invalid_client-invalid_client_id',
      500,
      '{"fault":{"faultstring":"ClientId is Invalid","detail":{"errorcode":"keymanagement.service.invalid_client-invalid_client_id"}}}'
    ]
  ]
  for (const [label, element, value, name, status, expected] of rows) {
    it(`${label} -> ${status} ${name}`, async () => {
      const result = await get(element, value)
      expect(result.fault).toMatchObject({ name, status, body: expected })
    })
  }

  it('IgnoreAccessTokenStatus returns data for expired and revoked tokens', async () => {
    const extra = '<IgnoreAccessTokenStatus>true</IgnoreAccessTokenStatus>'
    const expired = await get('AccessToken', 'expired-token', { extra })
    expect(expired.fault).toBeNull()
    expect(expired.variables.get('oauthv2accesstoken.GI.status')).toBe('expired')
    const revoked = await get('AccessToken', 'revoked-token', { extra })
    expect(revoked.fault).toBeNull()
    expect(revoked.variables.get('oauthv2accesstoken.GI.status')).toBe('revoked')
    expect(revoked.variables.get('oauthv2accesstoken.GI.revoke_reason')).toBe('REVOKED_BY_APP')
  })
})

describe('GetOAuthV2Info variables (reference 5.5)', () => {
  it('access token', async () => {
    const result = await get('AccessToken', 'good-token')
    expect(result.fault).toBeNull()
    const snap = Object.fromEntries(
      Object.entries(result.variables.snapshot())
        .filter(([k]) => k.startsWith('oauthv2accesstoken.GI.'))
        .map(([k, v]) => [k.slice('oauthv2accesstoken.GI.'.length), v])
    )
    expect(snap).toEqual({
      'developer.id': 'dev-one',
      'developer.app.name': 'App_One',
      'developer.app.id': 'app-one-id',
      'developer.email': 'dev.one@example.com',
      organization_name: 'sample',
      api_product_list: '[Product_One]',
      access_token: 'good-token',
      scope: 'read',
      expires_in: '1800',
      status: 'approved',
      client_id: 'app-one-key',
      issued_at: String(NOW - 60_000),
      grant_type: 'authorization_code',
      'accesstoken.tenant': 'acme',
      refresh_count: '2',
      refresh_token_status: 'approved',
      refresh_token_expires_in: '3600',
      refresh_token_issued_at: String(NOW - 120_000)
    })
  })

  it('refresh token', async () => {
    const result = await get('RefreshToken', 'good-refresh')
    expect(result.fault).toBeNull()
    expect(result.variables.get('oauthv2refreshtoken.GI.refresh_token')).toBe('good-refresh')
    expect(result.variables.get('oauthv2refreshtoken.GI.refresh_token_expires_in')).toBe('3600')
    expect(result.variables.get('oauthv2refreshtoken.GI.developer.app.name')).toBe('App_One')
    expect(result.variables.get('oauthv2refreshtoken.GI.client_id')).toBe('app-one-key')
  })

  it('authorization code', async () => {
    const result = await get('AuthorizationCode', 'good-code')
    expect(result.fault).toBeNull()
    const v = (n: string) => result.variables.get(`oauthv2authcode.GI.${n}`)
    expect([v('code'), v('scope'), v('redirect_uri'), v('client_id'), v('nonce')]).toEqual([
      'good-code',
      'read',
      'https://one.example.com/cb',
      'app-one-key',
      'n1'
    ])
  })

  it('client id', async () => {
    const result = await get('ClientId', 'app-one-key')
    expect(result.fault).toBeNull()
    const v = (n: string) => result.variables.get(`oauthv2client.GI.${n}`)
    expect([v('client_id'), v('client_secret'), v('redirection_uris'), v('developer.email'), v('developer.app.name'), v('developer.id'), v('team')]).toEqual([
      'app-one-key',
      'app-one-secret',
      'https://one.example.com/cb',
      'dev.one@example.com',
      'App_One',
      'dev-one',
      'blue'
    ])
  })

  it('deployment error without a lookup element or with two of them', () => {
    expect(compilePolicy(getOAuthV2InfoPolicy, '<GetOAuthV2Info name="GI"/>').errors.map((e) => e.code)).toEqual(['InvalidOAuthV2InfoElement'])
    expect(
      compilePolicy(getOAuthV2InfoPolicy, '<GetOAuthV2Info name="GI"><AccessToken ref="a"/><ClientId ref="b"/></GetOAuthV2Info>').errors.map((e) => e.code)
    ).toEqual(['InvalidOAuthV2InfoElement'])
  })
})

describe('SetOAuthV2Info', () => {
  const xml = `<SetOAuthV2Info name="SI"><AccessToken ref="input.value"/><Attributes>
      <Attribute name="tenant" ref="new.tenant">fallback</Attribute>
      <Attribute name="hidden" display="false">secret-ish</Attribute>
    </Attributes></SetOAuthV2Info>`
  const { config } = compilePolicy(setOAuthV2InfoPolicy, xml)
  const run = (token: string, vars: Record<string, string> = {}, tokens = store()) =>
    runPolicy(setOAuthV2InfoPolicy, config, {
      ws: sampleOrg(),
      now: NOW,
      tokens,
      policyName: 'SI',
      variables: { ...callVariables('API_One', 'test'), 'input.value': token, ...vars }
    })

  it('adds and replaces token attributes', async () => {
    const tokens = store()
    const result = await run('good-token', { 'new.tenant': 'globex' }, tokens)
    expect(result.fault).toBeNull()
    expect(tokens.get('access_token', hashToken('good-token'))!.attributes).toEqual([
      { name: 'tenant', value: 'globex', display: true },
      { name: 'hidden', value: 'secret-ish', display: false }
    ])
  })

  const rows: Array<[string, string, string, number, string]> = [
    ['unknown token', 'nope', 'invalid_access_token', 500, body('Invalid Access Token', 'keymanagement.service.invalid_access_token')],
    ['expired token', 'expired-token', 'access_token_expired', 500, body('Access Token expired', 'keymanagement.service.access_token_expired')],
    [
      'token of another product',
      'app-two-token',
      'InvalidAPICallAsNoApiProductMatchFound',
      401,
      body('Invalid API call as no apiproduct match found', 'keymanagement.service.InvalidAPICallAsNoApiProductMatchFound')
    ]
  ]
  for (const [label, token, name, status, expected] of rows) {
    it(`${label} -> ${status} ${name}`, async () => {
      expect((await run(token)).fault).toMatchObject({ name, status, body: expected })
    })
  }
})

describe('DeleteOAuthV2Info', () => {
  it('deletes an access token; a second delete is 404 invalid_access_token', async () => {
    const { config } = compilePolicy(deleteOAuthV2InfoPolicy, '<DeleteOAuthV2Info name="DI"><AccessToken ref="input.value"/></DeleteOAuthV2Info>')
    const tokens = store()
    const opts = { ws: sampleOrg(), now: NOW, tokens, policyName: 'DI', variables: { ...callVariables('API_One', 'test'), 'input.value': 'good-token' } }
    expect((await runPolicy(deleteOAuthV2InfoPolicy, config, opts)).fault).toBeNull()
    expect(tokens.get('access_token', hashToken('good-token'))).toBeUndefined()
    expect((await runPolicy(deleteOAuthV2InfoPolicy, config, opts)).fault).toEqual({
      name: 'invalid_access_token',
      status: 404,
      body: body('Invalid Access Token', 'keymanagement.service.invalid_access_token'),
      cause: 'No such access token'
    })
  })

  it('deletes an authorization code; an unknown code is 404 invalid_request-authorization_code_invalid', async () => {
    const { config } = compilePolicy(deleteOAuthV2InfoPolicy, '<DeleteOAuthV2Info name="DI"><AuthorizationCode ref="input.value"/></DeleteOAuthV2Info>')
    const tokens = store()
    const run = (code: string) =>
      runPolicy(deleteOAuthV2InfoPolicy, config, { ws: sampleOrg(), now: NOW, tokens, policyName: 'DI', variables: { 'input.value': code } })
    expect((await run('good-code')).fault).toBeNull()
    expect(tokens.get('authorization_code', hashToken('good-code'))).toBeUndefined()
    expect((await run('good-code')).fault).toMatchObject({
      name: 'invalid_request-authorization_code_invalid',
      status: 404,
      body: body('Invalid Authorization Code', 'keymanagement.service.invalid_request-authorization_code_invalid')
    })
  })

  it('all three are registered with the oauthV2 fault variable prefix', () => {
    for (const type of ['GetOAuthV2Info', 'SetOAuthV2Info', 'DeleteOAuthV2Info']) {
      expect(policyHandlers.get(type)?.faultVariablePrefix).toBe('oauthV2')
    }
  })
})
