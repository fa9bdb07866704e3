/// <reference types="node" />
import { describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { SignJWT } from 'jose'
import {
  MASK,
  basicAuthorization,
  bearerToken,
  buildAuthorizeRequest,
  buildRevokeRequest,
  buildTokenRequest,
  decodeJwtToken,
  expiryOf,
  maskRequest,
  oauthBasePath,
  parseBasicAuthorization,
  parseLocation,
  parseTokenResponse,
  prettyBody,
  renderCurl,
  renderHttp,
  shellQuote,
  statusClass,
  timeLeft,
  tokenEndpoints,
  tokenState,
  withHeader,
  type TokenForm
} from '../../src/renderer/src/components/workbench/http'
import type { ApiProxy } from '../../src/shared/model'

const form: TokenForm = {
  environment: 'test',
  grantType: 'client_credentials',
  tokenPath: '/oauth/token',
  authorizePath: '/oauth/authorize',
  revokePath: '/oauth/revoke',
  clientId: 'app-one-key',
  clientSecret: 'app-one-secret',
  clientAuth: 'basic',
  scope: '',
  redirectUri: 'https://app_one.sample.example/callback',
  state: 'xyz',
  username: 'alice',
  password: "p'ss word",
  code: 'CODE123',
  refreshToken: 'RT-1'
}

/** What a POSIX shell makes of a quoted word: the argument the program receives. */
function shellWords(command: string): string[] {
  const out = execFileSync('sh', ['-c', `for a in ${command.replace(/\\\n\s*/g, ' ')}; do printf '%s\\0' "$a"; done`], { encoding: 'utf8' })
  return out.split('\0').slice(0, -1)
}

describe('shellQuote', () => {
  it.each([
    ['plain', 'abc', "'abc'"],
    ['empty', '', "''"],
    ['single quote', "it's", `'it'\\''s'`],
    ['dollar and backtick stay literal', '$HOME `id` "x"', `'$HOME \`id\` "x"'`]
  ])('%s', (_name, input, expected) => {
    expect(shellQuote(input)).toBe(expected)
  })

  it('round-trips through a real shell for awkward values', () => {
    const values = ["it's", '$(echo pwned)', 'a b\tc', '"double"', '\\back', 'ünïcode', "'''"]
    expect(shellWords(values.map(shellQuote).join(' '))).toEqual(values)
  })
})

describe('building OAuth requests', () => {
  it('client_credentials with Basic client auth', () => {
    const request = buildTokenRequest(form)
    expect(request).toEqual({
      environment: 'test',
      method: 'POST',
      path: '/oauth/token',
      headers: [
        ['Authorization', `Basic ${Buffer.from('app-one-key:app-one-secret').toString('base64')}`],
        ['Content-Type', 'application/x-www-form-urlencoded'],
        ['Accept', 'application/json']
      ],
      body: 'grant_type=client_credentials'
    })
  })

  it('client credentials as form fields when the toggle says body', () => {
    const request = buildTokenRequest({ ...form, clientAuth: 'body', scope: 'read write' })
    expect(request.headers.map(([n]) => n)).toEqual(['Content-Type', 'Accept'])
    expect(request.body).toBe('grant_type=client_credentials&scope=read+write&client_id=app-one-key&client_secret=app-one-secret')
  })

  it('password grant carries username and password, encoded', () => {
    expect(buildTokenRequest({ ...form, grantType: 'password' }).body).toBe('grant_type=password&username=alice&password=p%27ss+word')
  })

  it('authorization_code step 2 exchanges the code with the redirect URI', () => {
    expect(buildTokenRequest({ ...form, grantType: 'authorization_code' }).body).toBe(
      'grant_type=authorization_code&code=CODE123&redirect_uri=https%3A%2F%2Fapp_one.sample.example%2Fcallback'
    )
  })

  it('refresh_token grant', () => {
    expect(buildTokenRequest({ ...form, grantType: 'refresh_token' }).body).toBe('grant_type=refresh_token&refresh_token=RT-1')
  })

  it('authorize step: GET with response_type, client_id, redirect_uri, state, scope', () => {
    const request = buildAuthorizeRequest({ ...form, scope: 'read' }, 'code')
    expect(request.method).toBe('GET')
    expect(request.path).toBe('/oauth/authorize?response_type=code&client_id=app-one-key&redirect_uri=https%3A%2F%2Fapp_one.sample.example%2Fcallback&state=xyz&scope=read')
    expect(buildTokenRequest({ ...form, grantType: 'implicit' }).path).toContain('response_type=token')
  })

  it('revoke: token form param and Basic client auth', () => {
    const request = buildRevokeRequest('test', '/oauth/revoke', 'AT-1', { clientId: 'k', clientSecret: 's' })
    expect(request.body).toBe('token=AT-1')
    expect(parseBasicAuthorization(request.headers[0]![1])).toEqual({ clientId: 'k', clientSecret: 's' })
  })

  it('Basic auth handles non-Latin-1 secrets', () => {
    expect(parseBasicAuthorization(basicAuthorization('k', 'sécret✓'))).toEqual({ clientId: 'k', clientSecret: 'sécret✓' })
    expect(parseBasicAuthorization('Bearer abc')).toBeUndefined()
  })

  it('oauth base path: the oauth proxy deployed to the environment', () => {
    const proxy = (name: string, basePath: string, environments: string[]) => ({ name, basePath, environments }) as ApiProxy
    expect(oauthBasePath([proxy('API_One', '/api-one', ['test']), proxy('oauth', '/auth/v2', ['test'])], 'test')).toBe('/auth/v2')
    expect(oauthBasePath([proxy('Tokens', '/oauth', ['prod'])], 'prod')).toBe('/oauth')
    expect(oauthBasePath([], 'test')).toBe('/oauth')
  })

  it('token endpoints come from the oauth proxy\'s flow conditions', () => {
    const xml = '<Flow><Condition>(proxy.pathsuffix MatchesPath "/token") and (request.verb = "POST")</Condition></Flow><Flow><Condition>proxy.pathsuffix MatchesPath "/jwt/token"</Condition></Flow><Flow><Condition>proxy.pathsuffix MatchesPath "/authorize"</Condition></Flow>'
    const oauth = { name: 'oauth', basePath: '/oauth', environments: ['test'], proxyEndpoints: { default: xml } } as unknown as ApiProxy
    expect(tokenEndpoints([oauth], 'test')).toEqual(['/oauth/token', '/oauth/jwt/token'])
    expect(tokenEndpoints([], 'test')).toEqual(['/oauth/token'])
  })

  it('withHeader replaces in place, case-insensitively; bearerToken reads it', () => {
    const headers = withHeader(
      [
        ['Accept', '*/*'],
        ['authorization', 'Basic x'],
        ['X-A', '1']
      ],
      'Authorization',
      'Bearer T1'
    )
    expect(headers).toEqual([
      ['Accept', '*/*'],
      ['Authorization', 'Bearer T1'],
      ['X-A', '1']
    ])
    expect(bearerToken(headers)).toBe('T1')
  })
})

describe('renderCurl', () => {
  it('renders a form token request with --data-urlencode, as the shell will pass it', () => {
    const curl = renderCurl(buildTokenRequest({ ...form, grantType: 'password', scope: 'read write' }), 'http://127.0.0.1:8998')
    expect(curl.split(' \\\n  ')).toEqual([
      "curl -X POST 'http://127.0.0.1:8998/oauth/token'",
      `-H 'Authorization: Basic ${Buffer.from('app-one-key:app-one-secret').toString('base64')}'`,
      "-H 'Content-Type: application/x-www-form-urlencoded'",
      "-H 'Accept: application/json'",
      "--data-urlencode 'grant_type=password'",
      "--data-urlencode 'username=alice'",
      `--data-urlencode 'password=p'\\''ss word'`,
      "--data-urlencode 'scope=read write'"
    ])
    const words = shellWords(curl)
    expect(words).toContain("password=p'ss word")
  })

  it('masked for display: secrets masked, form pairs still as --data-urlencode', () => {
    const request = buildTokenRequest({ ...form, clientAuth: 'body', scope: 'a b' })
    expect(renderCurl(request, 'http://h', [form.clientSecret]).split(' \\\n  ').slice(-4)).toEqual([
      "--data-urlencode 'grant_type=client_credentials'",
      "--data-urlencode 'scope=a b'",
      "--data-urlencode 'client_id=app-one-key'",
      `--data-urlencode 'client_secret=${MASK}'`
    ])
    const call = renderCurl({ environment: 'test', method: 'GET', path: '/a', headers: [['Authorization', 'Bearer abcdef1234567890']], body: '' }, 'http://h', [])
    expect(call).toBe(`curl 'http://h/a' \\\n  -H 'Authorization: Bearer abcdef${MASK}'`)
  })

  it('GET without -X; JSON bodies as --data-raw', () => {
    expect(renderCurl({ environment: 'test', method: 'GET', path: '/api-one/items?x=1', headers: [], body: '' }, 'http://127.0.0.1:1/')).toBe("curl 'http://127.0.0.1:1/api-one/items?x=1'")
    const put = renderCurl({ environment: 'test', method: 'PUT', path: '/a', headers: [['Content-Type', 'application/json']], body: `{"name":"O'Neil"}` }, 'http://h')
    expect(shellWords(put).slice(-2)).toEqual(['--data-raw', `{"name":"O'Neil"}`])
  })

  it('a form body that is not canonical goes raw, so no byte is lost', () => {
    const curl = renderCurl({ environment: 'test', method: 'POST', path: '/t', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: 'a=%zz&b' }, 'http://h')
    expect(curl).toContain("--data-raw 'a=%zz&b'")
  })

  it('renderHttp shows the wire message with Host and Content-Length', () => {
    expect(renderHttp(buildTokenRequest({ ...form, clientAuth: 'body' }), '127.0.0.1:8998')).toBe(
      [
        'POST /oauth/token HTTP/1.1',
        'Host: 127.0.0.1:8998',
        'Content-Type: application/x-www-form-urlencoded',
        'Accept: application/json',
        'Content-Length: 80',
        '',
        'grant_type=client_credentials&client_id=app-one-key&client_secret=app-one-secret'
      ].join('\n')
    )
  })
})

describe('maskRequest', () => {
  it('masks Basic credentials, secret form fields and bearer tokens, leaving the rest', () => {
    const masked = maskRequest(buildTokenRequest({ ...form, grantType: 'password', clientAuth: 'body' }))
    expect(masked.body).toBe(`grant_type=password&username=alice&password=${MASK}&client_id=app-one-key&client_secret=${MASK}`)
    expect(maskRequest(buildTokenRequest(form)).headers[0]).toEqual(['Authorization', `Basic ${MASK}`])
    const call = maskRequest({ environment: 'test', method: 'GET', path: '/api-one/items', headers: [['Authorization', 'Bearer abcdef1234567890']], body: '' })
    expect(call.headers[0]).toEqual(['Authorization', `Bearer abcdef${MASK}`])
  })

  it('masks named secrets anywhere, including the query', () => {
    const masked = maskRequest({ environment: 'test', method: 'GET', path: '/x?apikey=SECRETKEY&a=1', headers: [['X-Key', 'SECRETKEY']], body: '' }, ['SECRETKEY'])
    expect(masked.path).toBe(`/x?apikey=${MASK}&a=1`)
    expect(masked.headers[0]).toEqual(['X-Key', MASK])
  })
})

describe('parseLocation', () => {
  it('reads code and state from the query of an authorization redirect', () => {
    expect(parseLocation('https://app_one.sample.example/callback?code=AbC123&state=xyz')).toMatchObject({
      target: 'https://app_one.sample.example/callback',
      code: 'AbC123',
      state: 'xyz'
    })
  })

  it('reads the implicit token from the fragment', () => {
    const parsed = parseLocation('https://cb.example/cb#access_token=T%2B1&expires_in=3599&state=s&token_type=BearerToken')
    expect(parsed).toMatchObject({ accessToken: 'T+1', expiresIn: '3599', state: 's' })
    expect(parsed?.fragment['token_type']).toBe('BearerToken')
  })

  it('reads an error redirect', () => {
    expect(parseLocation('https://cb.example/cb?error=invalid_request&error_description=Invalid%20redirect')).toMatchObject({
      error: 'invalid_request',
      errorDescription: 'Invalid redirect'
    })
  })

  it('handles relative locations', () => {
    expect(parseLocation('/cb?code=1')).toMatchObject({ target: '/cb', code: '1' })
  })
})

describe('token responses', () => {
  it("reads Apigee's string-valued response", () => {
    const body = JSON.stringify({
      access_token: 'AT',
      expires_in: '3599',
      issued_at: '1700000000000',
      token_type: 'BearerToken',
      refresh_token: 'RT',
      scope: 'read',
      client_id: 'app-one-key',
      application_name: 'App_One'
    })
    expect(parseTokenResponse(body)).toEqual({
      accessToken: 'AT',
      refreshToken: 'RT',
      expiresIn: 3599,
      issuedAt: 1700000000000,
      scope: 'read',
      tokenType: 'BearerToken',
      clientId: 'app-one-key',
      applicationName: 'App_One'
    })
  })

  it('reads an RFC 6749 response (numbers, no issued_at)', () => {
    expect(parseTokenResponse('{"access_token":"AT","token_type":"Bearer","expires_in":3600}')).toMatchObject({ expiresIn: 3600, issuedAt: null, refreshToken: null })
  })

  it('no access_token, no token', () => {
    expect(parseTokenResponse('{"ErrorCode":"invalid_client","Error":"ClientId is Invalid"}')).toBeUndefined()
    expect(parseTokenResponse('not json')).toBeUndefined()
  })

  it('prettyBody indents JSON and leaves other text', () => {
    expect(prettyBody('{"a":1}').text).toBe('{\n  "a": 1\n}')
    expect(prettyBody('<x/>').json).toBe(false)
  })

  it.each([
    [200, 'success'],
    [302, 'redirect'],
    [401, 'client-error'],
    [502, 'server-error']
  ] as const)('status %i is %s', (status, cls) => {
    expect(statusClass(status)).toBe(cls)
  })
})

describe('JWT and expiry', () => {
  it('decodes header and claims of a JWT', async () => {
    const token = await new SignJWT({ client_id: 'app-one-key', scope: 'read' })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+JWT' })
      .setIssuedAt(1700000000)
      .setExpirationTime(1700003600)
      .sign(new TextEncoder().encode('k'.repeat(32)))
    expect(decodeJwtToken(token)).toEqual({
      header: { alg: 'HS256', typ: 'at+JWT' },
      claims: { client_id: 'app-one-key', scope: 'read', iat: 1700000000, exp: 1700003600 }
    })
  })

  it('opaque tokens and garbage are not JWTs', () => {
    expect(decodeJwtToken('Bd8xY3KQv2rkzGgfuYZ0s1XhA3mq')).toBeUndefined()
    expect(decodeJwtToken('a.b.c')).toBeUndefined()
  })

  it('expiry from issued_at + expires_in; -1 never', () => {
    expect(expiryOf(1_000_000, 3599)).toBe(1_000_000 + 3_599_000)
    expect(expiryOf(1_000_000, -1)).toBe(-1)
  })

  it.each([
    ['active before expiry', { expiresAt: 2000, revoked: false }, 1999, 'active'],
    ['expired at the instant', { expiresAt: 2000, revoked: false }, 2000, 'expired'],
    ['never expires', { expiresAt: -1, revoked: false }, 9e15, 'active'],
    ['revoked wins', { expiresAt: 2000, revoked: true }, 1000, 'revoked']
  ] as const)('%s', (_name, token, now, state) => {
    expect(tokenState(token, now)).toBe(state)
  })

  it('time left', () => {
    expect(timeLeft(5000, 2000)).toBe(3000)
    expect(timeLeft(5000, 9000)).toBe(0)
    expect(timeLeft(-1, 9000)).toBeNull()
  })
})
