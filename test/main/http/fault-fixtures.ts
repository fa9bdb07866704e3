/**
 * A workspace built to trigger every fault of the reference through a real listener: one small proxy per
 * policy setup (VerifyAccessToken plain / with <Scope> / with <AccessToken> variables, VerifyJWTAccessToken,
 * VerifyAPIKey from a query parameter, Get/Set/DeleteOAuthV2Info, token endpoints in the Apigee, RFC and
 * GenerateResponse-off modes, limited SupportedGrantTypes, targets that fail), and apps and keys in every
 * state (revoked key, expired key, revoked app, inactive developer, pending and revoked product entries,
 * an operation-group product, products limited to another environment or to one path).
 */
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createConsole, type GatelabConsole } from '../../../src/main/console'
import type { ApiProduct, ApiProxy, DeveloperApp, Workspace } from '../../../src/shared/model'

/** The three shapes a token-issuing policy answers errors in. */
export type TokenMode = 'apigee' | 'rfc' | 'envelope'
export const TOKEN_MODES: readonly TokenMode[] = ['apigee', 'rfc', 'envelope']

const modeXml: Record<TokenMode, string> = {
  apigee: '<GenerateResponse enabled="true"/>',
  rfc: '<GenerateResponse enabled="true"/><RFCCompliantRequestResponse>true</RFCCompliantRequestResponse>',
  envelope: ''
}

/** Secrets of the environment `test` (flow variables `private.*`). */
export const JWT_KEY = 'fault-fixture-jwt-signing-key-0123456789'
export const SHORT_JWT_KEY = 'too-short'

/** Consumer keys of the fixture apps; every secret is `<key>-secret`. */
export const keys = {
  main: 'main-key',
  noCallback: 'nocb-key',
  prodOnly: 'prod-key',
  pathsOnly: 'paths-key',
  pending: 'pending-key',
  productRevoked: 'prodrev-key',
  operations: 'ops-key',
  keyRevoked: 'keyrev-key',
  keyExpired: 'keyexp-key',
  appRevoked: 'apprev-key',
  developerInactive: 'devoff-key'
} as const
export const secretOf = (key: string): string => `${key}-secret`
export const MAIN_CALLBACK = 'https://main.example/cb'

/** Ports of the local targets the runtime rows need (closed, silent, dropping, garbage, erroring). */
export interface TargetPorts {
  refused: number
  silent: number
  dropping: number
  garbage: number
  failing: number
}

const oauth = (name: string, operation: string, inner = ''): string => `<OAuthV2 name="${name}"><Operation>${operation}</Operation>${inner}</OAuthV2>`

function proxy(name: string, policies: Record<string, string>, options: { target?: string; resources?: Record<string, string> } = {}): ApiProxy {
  const basePath = `/${name}`
  const steps = Object.keys(policies)
    .map((p) => `<Step><Name>${p}</Name></Step>`)
    .join('')
  const route = options.target ? '<RouteRule name="default"><TargetEndpoint>default</TargetEndpoint></RouteRule>' : '<RouteRule name="noroute"/>'
  return {
    name,
    description: '',
    basePath,
    environments: ['test', 'prod'],
    proxyEndpoints: {
      default: `<ProxyEndpoint name="default"><PreFlow name="PreFlow"><Request>${steps}</Request><Response/></PreFlow><HTTPProxyConnection><BasePath>${basePath}</BasePath></HTTPProxyConnection>${route}</ProxyEndpoint>`
    },
    targetEndpoints: options.target ? { default: `<TargetEndpoint name="default"><HTTPTargetConnection>${options.target}</HTTPTargetConnection></TargetEndpoint>` } : {},
    policies,
    resources: options.resources ?? {}
  }
}

const echo = '<URL>echo://</URL>'
const GRANTS = '<SupportedGrantTypes><GrantType>client_credentials</GrantType><GrantType>password</GrantType><GrantType>authorization_code</GrantType></SupportedGrantTypes>'
const SCOPE = '<Scope>request.formparam.scope</Scope>'
const LIFETIMES = '<ExpiresIn>3600000</ExpiresIn><RefreshTokenExpiresIn>86400000</RefreshTokenExpiresIn>'

function tokenEndpoints(mode: TokenMode): ApiProxy[] {
  const m = modeXml[mode]
  return [
    proxy(`gat-${mode}`, { 'OAuthV2-Token': oauth('OAuthV2-Token', 'GenerateAccessToken', `${LIFETIMES}${GRANTS}${SCOPE}${m}`) }),
    proxy(`rat-${mode}`, { 'OAuthV2-Refresh': oauth('OAuthV2-Refresh', 'RefreshAccessToken', `${LIFETIMES}${m}`) }),
    proxy(`gac-${mode}`, { 'OAuthV2-Authorize': oauth('OAuthV2-Authorize', 'GenerateAuthorizationCode', `<ExpiresIn>600000</ExpiresIn>${m}`) }),
    proxy(`imp-${mode}`, { 'OAuthV2-Implicit': oauth('OAuthV2-Implicit', 'GenerateAccessTokenImplicitGrant', `<ExpiresIn>3600000</ExpiresIn>${m}`) })
  ]
}

function proxies(ports: TargetPorts): ApiProxy[] {
  const verify = (inner: string) => ({ 'OAuthV2-Verify': oauth('OAuthV2-Verify', 'VerifyAccessToken', inner) })
  return [
    proxy('verify', verify(''), { target: echo }),
    proxy('verify-scope', verify('<Scope>admin write</Scope>'), { target: echo }),
    proxy('verify-prefix', verify('<AccessToken>request.header.token</AccessToken><AccessTokenPrefix>KEY</AccessTokenPrefix>'), { target: echo }),
    proxy('verify-var', verify('<AccessToken>request.header.x-token</AccessToken>'), { target: echo }),
    proxy('verify-jwt', { 'OAuthV2-Verify-JWT': oauth('OAuthV2-Verify-JWT', 'VerifyJWTAccessToken', '<Algorithm>HS256</Algorithm><SecretKey><Value ref="private.jwt-key"/></SecretKey>') }, { target: echo }),
    proxy('verify-jwt-short', { 'OAuthV2-Verify-JWT': oauth('OAuthV2-Verify-JWT', 'VerifyJWTAccessToken', '<Algorithm>HS256</Algorithm><SecretKey><Value ref="private.short-key"/></SecretKey>') }, { target: echo }),
    proxy('apikey', { 'Verify-API-Key': '<VerifyAPIKey name="Verify-API-Key"><APIKey ref="request.queryparam.apikey"/></VerifyAPIKey>' }, { target: echo }),
    proxy('get-info-token', { 'Get-Info': '<GetOAuthV2Info name="Get-Info"><AccessToken ref="request.queryparam.token"/></GetOAuthV2Info>' }),
    proxy('get-info-code', { 'Get-Info': '<GetOAuthV2Info name="Get-Info"><AuthorizationCode ref="request.queryparam.code"/></GetOAuthV2Info>' }),
    proxy('get-info-client', { 'Get-Info': '<GetOAuthV2Info name="Get-Info"><ClientId ref="request.queryparam.client_id"/></GetOAuthV2Info>' }),
    proxy('get-info-refresh', { 'Get-Info': '<GetOAuthV2Info name="Get-Info"><RefreshToken ref="request.queryparam.refresh_token"/></GetOAuthV2Info>' }),
    proxy('set-info', {
      'Set-Info': '<SetOAuthV2Info name="Set-Info"><AccessToken ref="request.queryparam.token"/><Attributes><Attribute name="tier">gold</Attribute></Attributes></SetOAuthV2Info>'
    }),
    proxy('delete-info-token', { 'Delete-Info': '<DeleteOAuthV2Info name="Delete-Info"><AccessToken ref="request.queryparam.token"/></DeleteOAuthV2Info>' }),
    proxy('delete-info-code', { 'Delete-Info': '<DeleteOAuthV2Info name="Delete-Info"><AuthorizationCode ref="request.queryparam.code"/></DeleteOAuthV2Info>' }),
    ...TOKEN_MODES.flatMap(tokenEndpoints),
    proxy('gat-short', {
      'OAuthV2-Token': oauth('OAuthV2-Token', 'GenerateAccessToken', `<ExpiresIn>60000</ExpiresIn><RefreshTokenExpiresIn>120000</RefreshTokenExpiresIn>${GRANTS}${modeXml.apigee}`)
    }),
    proxy('gat-default-grants', { 'OAuthV2-Token': oauth('OAuthV2-Token', 'GenerateAccessToken', `${LIFETIMES}${modeXml.apigee}`) }),
    proxy('gat-continue', {
      'OAuthV2-Token': `<OAuthV2 name="OAuthV2-Token" continueOnError="true"><Operation>GenerateAccessToken</Operation>${GRANTS}<GenerateErrorResponse enabled="true"/></OAuthV2>`
    }),
    proxy('verify-rfc', verify('<Scope>admin</Scope><RFCCompliantRequestResponse>true</RFCCompliantRequestResponse>'), { target: echo }),
    proxy('gat-limited', {
      'OAuthV2-Token': oauth('OAuthV2-Token', 'GenerateAccessToken', `${LIFETIMES}<SupportedGrantTypes><GrantType>client_credentials</GrantType></SupportedGrantTypes>${modeXml.apigee}`)
    }),
    proxy('gat-resolve-code', { 'OAuthV2-Token': oauth('OAuthV2-Token', 'GenerateAccessToken', `${GRANTS}<Code>request.header.x-code</Code>${modeXml.apigee}`) }),
    proxy('rat-resolve', { 'OAuthV2-Refresh': oauth('OAuthV2-Refresh', 'RefreshAccessToken', `<RefreshToken>request.header.x-refresh-token</RefreshToken>${modeXml.apigee}`) }),
    proxy('gac-resolve', { 'OAuthV2-Authorize': oauth('OAuthV2-Authorize', 'GenerateAuthorizationCode', `<ClientId>request.header.x-client-id</ClientId>${modeXml.apigee}`) }),
    proxy('gac-external', {
      'OAuthV2-Authorize': oauth(
        'OAuthV2-Authorize',
        'GenerateAuthorizationCode',
        `<ExternalAccessToken>request.queryparam.external_token</ExternalAccessToken><ExternalAuthorizationCode>request.queryparam.external_code</ExternalAuthorizationCode>${modeXml.apigee}`
      )
    }),
    proxy('jwt-token', {
      'OAuthV2-JWT': oauth('OAuthV2-JWT', 'GenerateJWTAccessToken', `<Algorithm>HS256</Algorithm><SecretKey><Value ref="private.jwt-key"/></SecretKey><ExpiresIn>3600000</ExpiresIn>${GRANTS}${modeXml.apigee}`)
    }),
    proxy('jwt-token-broken', {
      'OAuthV2-JWT': oauth('OAuthV2-JWT', 'GenerateJWTAccessToken', `<Algorithm>RS256</Algorithm><PrivateKey><Value ref="private.not-a-pem"/></PrivateKey>${GRANTS}${modeXml.apigee}`)
    }),
    proxy('revoke', { 'OAuthV2-Revoke': oauth('OAuthV2-Revoke', 'InvalidateToken', '<Tokens><Token type="accesstoken">request.formparam.token</Token></Tokens>') }),
    proxy('revoke-var', { 'OAuthV2-Revoke': oauth('OAuthV2-Revoke', 'InvalidateToken', '<Tokens><Token type="accesstoken">request.header.x-token</Token></Tokens>') }),
    proxy('revoke-type', { 'OAuthV2-Revoke': oauth('OAuthV2-Revoke', 'InvalidateToken', '<Tokens><Token type="idtoken">request.formparam.token</Token></Tokens>') }),
    proxy('raise', { 'Raise-Fault': '<RaiseFault name="Raise-Fault"/>' }),
    proxy('script', { 'JS-Fail': '<Javascript name="JS-Fail"><ResourceURL>jsc://fail.js</ResourceURL></Javascript>' }, { resources: { 'jsc/fail.js': "throw new Error('boom')" } }),
    proxy('target-refused', {}, { target: `<URL>http://127.0.0.1:${ports.refused}</URL>` }),
    proxy('target-timeout', {}, { target: `<URL>http://127.0.0.1:${ports.silent}</URL><Properties><Property name="io.timeout.millis">300</Property></Properties>` }),
    proxy('target-eof', {}, { target: `<URL>http://127.0.0.1:${ports.dropping}</URL>` }),
    proxy('target-garbage', {}, { target: `<URL>http://127.0.0.1:${ports.garbage}</URL>` }),
    proxy('target-dns', {}, { target: '<URL>http://gatelab-no-such-host.invalid</URL>' }),
    proxy('target-error', {}, { target: `<URL>http://127.0.0.1:${ports.failing}</URL>` }),
    {
      ...proxy('target-hosted', {}, { target: echo }),
      targetEndpoints: { default: '<TargetEndpoint name="default"><HostedTarget/></TargetEndpoint>' }
    }
  ]
}

const product = (name: string, extra: Partial<ApiProduct> = {}): ApiProduct => ({
  name,
  displayName: name,
  description: '',
  approvalType: 'auto',
  environments: ['test'],
  proxies: [],
  apiResources: [],
  scopes: [],
  attributes: [],
  quota: '',
  quotaInterval: '',
  quotaTimeUnit: '',
  ...extra
})

const app = (
  name: string,
  key: string,
  products: Array<[string, 'approved' | 'pending' | 'revoked']>,
  extra: { developerId?: string; status?: 'approved' | 'revoked'; callbackUrl?: string; keyStatus?: 'approved' | 'revoked'; expiresAt?: number } = {}
): DeveloperApp => ({
  appId: name.toLowerCase().replace(/_/g, '-'),
  name,
  developerId: extra.developerId ?? 'dev-active',
  callbackUrl: extra.callbackUrl ?? '',
  status: extra.status ?? 'approved',
  attributes: [],
  scopes: [],
  createdAt: 0,
  credentials: [
    {
      consumerKey: key,
      consumerSecret: secretOf(key),
      status: extra.keyStatus ?? 'approved',
      issuedAt: 0,
      expiresAt: extra.expiresAt ?? -1,
      apiProducts: products.map(([apiproduct, status]) => ({ apiproduct, status })),
      scopes: [],
      attributes: []
    }
  ]
})

/** The fault workspace; target URLs point at the given local ports. */
export function faultWorkspace(ports: TargetPorts): Workspace {
  return {
    schemaVersion: 2,
    organization: { name: 'faults', displayName: 'Fault table fixture', tokenCacheSeconds: 0 },
    environments: [
      {
        name: 'test',
        description: '',
        port: 9101,
        hostAliases: [],
        restrictHosts: true,
        variables: [
          { name: 'private.jwt-key', value: JWT_KEY },
          { name: 'private.short-key', value: SHORT_JWT_KEY },
          { name: 'private.not-a-pem', value: 'not a PEM key' }
        ]
      },
      { name: 'prod', description: '', port: 9102, hostAliases: [], restrictHosts: true, variables: [] }
    ],
    proxies: proxies(ports),
    apiProducts: [
      product('Product_Main', { scopes: ['read', 'write', 'admin'] }),
      product('Product_Prod', { environments: ['prod'] }),
      product('Product_Paths', { environments: [], apiResources: ['/allowed'] }),
      product('Product_Manual', { approvalType: 'manual' }),
      product('Product_Ops', {
        operationGroup: {
          operationConfigType: 'proxy',
          operationConfigs: [
            { apiSource: 'verify', operations: [{ resource: '/items', methods: ['GET'] }], attributes: [] },
            { apiSource: 'apikey', operations: [{ resource: '/items', methods: ['GET'] }], attributes: [] }
          ]
        }
      })
    ],
    developers: [
      { developerId: 'dev-active', email: 'active@faults.example', firstName: 'Ada', lastName: 'Active', userName: 'ada', status: 'active', attributes: [] },
      { developerId: 'dev-inactive', email: 'inactive@faults.example', firstName: 'Ivo', lastName: 'Inactive', userName: 'ivo', status: 'inactive', attributes: [] }
    ],
    apps: [
      app('App_Main', keys.main, [['Product_Main', 'approved']], { callbackUrl: MAIN_CALLBACK }),
      app('App_NoCallback', keys.noCallback, [['Product_Main', 'approved']]),
      app('App_Prod', keys.prodOnly, [['Product_Prod', 'approved']]),
      app('App_Paths', keys.pathsOnly, [['Product_Paths', 'approved']]),
      app('App_Pending', keys.pending, [['Product_Manual', 'pending']]),
      app('App_Product_Revoked', keys.productRevoked, [['Product_Main', 'revoked']]),
      app('App_Ops', keys.operations, [['Product_Ops', 'approved']]),
      app('App_Key_Revoked', keys.keyRevoked, [['Product_Main', 'approved']], { keyStatus: 'revoked' }),
      app('App_Key_Expired', keys.keyExpired, [['Product_Main', 'approved']], { expiresAt: 1 }),
      app('App_Revoked', keys.appRevoked, [['Product_Main', 'approved']], { status: 'revoked' }),
      app('App_Dev_Inactive', keys.developerInactive, [['Product_Main', 'approved']], { developerId: 'dev-inactive' })
    ]
  }
}

/** Starts a console on the fault workspace with both environments on free ports. */
export async function startFaultConsole(ports: TargetPorts): Promise<GatelabConsole> {
  const dir = await mkdtemp(join(tmpdir(), 'gatelab-faults-'))
  const sampleFile = join(dir, 'fault-workspace.json')
  await writeFile(sampleFile, JSON.stringify(faultWorkspace(ports), null, 2))
  return createConsole({ dataDir: join(dir, 'data'), sampleFile, envPorts: { test: 0, prod: 0 } })
}
