/**
 * OAuthV2 policy XML -> typed config, with Apigee's deployment errors (seed "Deployment errors" tables).
 * Every element of the reference is read here once, so nothing is parsed per request.
 */
import { child, children, type XmlElement } from '../../bundle/xml'
import type { CompileContext } from '../types'
import { JWT_ALGORITHMS, MIN_HMAC_KEY_BYTES, hmacKeyBytes, isHmac, type JwtAlgorithm } from '../../tokens/jwt'

export const OPERATIONS = [
  'GenerateAccessToken',
  'GenerateAccessTokenImplicitGrant',
  'GenerateAuthorizationCode',
  'RefreshAccessToken',
  'VerifyAccessToken',
  'InvalidateToken',
  'ValidateToken',
  'GenerateJWTAccessToken',
  'VerifyJWTAccessToken',
  'RefreshJWTAccessToken'
] as const
export type OAuthOperation = (typeof OPERATIONS)[number]

export const GRANT_TYPES = ['authorization_code', 'client_credentials', 'implicit', 'password'] as const
/** Grant types allowed when `<SupportedGrantTypes>` is absent (seed). */
export const DEFAULT_SUPPORTED_GRANT_TYPES = ['authorization_code', 'implicit']

/** `<ExpiresIn ref="v">default</ExpiresIn>`-style value: the ref wins when it resolves. */
export interface RefOrNumber {
  ref?: string
  value?: number
}

/** Where a request parameter is read from: the configured variable, or the default locations in order. */
export interface ParamSource {
  variables: string[]
  /** Whether the element was configured (an unresolved configured variable is a FailedToResolve* fault). */
  explicit: boolean
}

export interface KeyConfig {
  ref?: string
  value?: string
}

export interface TokenToProcess {
  type: string
  cascade: boolean
  variable: string
}

export interface AttributeConfig {
  name: string
  ref?: string
  value: string
  display: boolean
}

export interface OAuthV2Config {
  operation: OAuthOperation
  accessToken?: string
  accessTokenPrefix?: string
  algorithm?: JwtAlgorithm
  appEndUser?: string
  attributes: AttributeConfig[]
  cacheExpiryInSeconds?: RefOrNumber
  clientId: ParamSource
  code: ParamSource
  expiresIn?: RefOrNumber
  externalAccessToken?: string
  externalAuthorization: boolean
  externalAuthorizationCode?: string
  externalRefreshToken?: string
  generateResponse: boolean
  generateErrorResponse: boolean
  grantType: ParamSource
  password: ParamSource
  username: ParamSource
  privateKey?: KeyConfig
  publicKey?: KeyConfig
  secretKey?: KeyConfig
  redirectUri: ParamSource
  refreshToken: ParamSource
  refreshTokenExpiresIn?: RefOrNumber
  responseType: ParamSource
  reuseRefreshToken: boolean
  rfcCompliant: boolean
  /** Generate* and Refresh*: where the requested scope is read (default: the RFC 6749 `scope` parameter). */
  scope: ParamSource
  /** VerifyAccessToken: the literal scopes required (any one suffices). */
  requiredScopes: string[]
  state: ParamSource
  storeToken: boolean
  supportedGrantTypes: string[]
  tokens: TokenToProcess[]
}

const EXPIRES_IN_OPERATIONS: OAuthOperation[] = [
  'GenerateAccessToken',
  'GenerateAccessTokenImplicitGrant',
  'GenerateAuthorizationCode',
  'RefreshAccessToken',
  'GenerateJWTAccessToken',
  'RefreshJWTAccessToken'
]
const REFRESH_EXPIRES_IN_OPERATIONS: OAuthOperation[] = ['GenerateAccessToken', 'RefreshAccessToken', 'GenerateJWTAccessToken', 'RefreshJWTAccessToken']
const GRANT_TYPE_OPERATIONS: OAuthOperation[] = [
  'GenerateAccessToken',
  'GenerateAccessTokenImplicitGrant',
  'GenerateAuthorizationCode',
  'RefreshAccessToken',
  'GenerateJWTAccessToken',
  'RefreshJWTAccessToken'
]
const JWT_OPERATIONS: OAuthOperation[] = ['GenerateJWTAccessToken', 'VerifyJWTAccessToken', 'RefreshJWTAccessToken']
/** Authorize-endpoint operations read their parameters from the query string first (they are GET requests). */
const AUTHORIZE_OPERATIONS: OAuthOperation[] = ['GenerateAuthorizationCode', 'GenerateAccessTokenImplicitGrant']

const isOperation = (v: string): v is OAuthOperation => (OPERATIONS as readonly string[]).includes(v)

/** Reads an enabled-style boolean: `<X enabled="true"/>`, `<X>true</X>`, or `<X/>` (= true). */
function enabledFlag(el: XmlElement | undefined, absent: boolean): boolean {
  if (!el) return absent
  const attr = el.attributes.enabled
  if (attr !== undefined) return attr.trim().toLowerCase() === 'true'
  if (el.text !== '') return el.text.toLowerCase() === 'true'
  return true
}

function textBoolean(el: XmlElement | undefined, fallback: boolean): boolean {
  if (!el || el.text === '') return fallback
  return el.text.toLowerCase() === 'true'
}

/** Compiles an `<OAuthV2>` element; deployment errors go to `ctx.error` and compilation continues. */
export function compileOAuthV2(root: XmlElement, ctx: CompileContext): OAuthV2Config {
  const operationEl = child(root, 'Operation')
  let operation: OAuthOperation = 'VerifyAccessToken'
  if (!operationEl || operationEl.text === '') {
    ctx.error('OperationRequired', 'OAuthV2 policy must specify an <Operation>', operationEl ?? root)
  } else if (!isOperation(operationEl.text)) {
    ctx.error('InvalidOperation', `Invalid operation "${operationEl.text}"; valid operations: ${OPERATIONS.join(', ')}`, operationEl)
  } else {
    operation = operationEl.text
  }
  const authorize = AUTHORIZE_OPERATIONS.includes(operation)
  const param = (name: string, formName: string): ParamSource => {
    const el = child(root, name)
    if (el && el.text !== '') return { variables: [el.text], explicit: true }
    const defaults = [`request.formparam.${formName}`]
    return { variables: authorize ? [`request.queryparam.${formName}`, ...defaults] : defaults, explicit: false }
  }

  const expiresIn = readRefOrNumber(root, 'ExpiresIn', ctx, 'InvalidValueForExpiresIn', true)
  if (child(root, 'ExpiresIn') && !EXPIRES_IN_OPERATIONS.includes(operation)) {
    ctx.error('ExpiresInNotApplicableForOperation', `<ExpiresIn> does not apply to ${operation}`, child(root, 'ExpiresIn'))
  }
  const refreshTokenExpiresIn = readRefOrNumber(root, 'RefreshTokenExpiresIn', ctx, 'InvalidValueForRefreshTokenExpiresIn', true)
  if (child(root, 'RefreshTokenExpiresIn') && !REFRESH_EXPIRES_IN_OPERATIONS.includes(operation)) {
    ctx.error(
      'RefreshTokenExpiresInNotApplicableForOperation',
      `<RefreshTokenExpiresIn> does not apply to ${operation}`,
      child(root, 'RefreshTokenExpiresIn')
    )
  }
  const cacheExpiryInSeconds = readRefOrNumber(root, 'CacheExpiryInSeconds', ctx, 'InvalidValueForCacheExpiryInSeconds', false, 1, 180)

  const supportedEl = child(root, 'SupportedGrantTypes')
  let supportedGrantTypes = DEFAULT_SUPPORTED_GRANT_TYPES
  // An empty `<SupportedGrantTypes/>` is the element's documented default (authorization_code and implicit), on any operation.
  if (supportedEl && children(supportedEl, 'GrantType').length > 0) {
    if (!GRANT_TYPE_OPERATIONS.includes(operation)) {
      ctx.error('GrantTypesNotApplicableForOperation', `<SupportedGrantTypes> does not apply to ${operation}`, supportedEl)
    }
    supportedGrantTypes = []
    for (const g of children(supportedEl, 'GrantType')) {
      if (!(GRANT_TYPES as readonly string[]).includes(g.text)) {
        ctx.error('InvalidGrantType', `Invalid grant type "${g.text}"; valid grant types: ${GRANT_TYPES.join(', ')}`, g)
      } else if (!supportedGrantTypes.includes(g.text)) supportedGrantTypes.push(g.text)
    }
  }

  const prefixEl = child(root, 'AccessTokenPrefix')
  if (prefixEl && prefixEl.text === '') ctx.error('InvalidValueForAccessTokenPrefix', '<AccessTokenPrefix> must not be empty', prefixEl)

  const tokens: TokenToProcess[] = []
  const tokensEl = child(root, 'Tokens')
  if (operation === 'InvalidateToken' || operation === 'ValidateToken') {
    const tokenEls = tokensEl ? children(tokensEl, 'Token') : []
    if (tokenEls.length === 0) ctx.error('TokenValueRequired', `${operation} needs <Tokens><Token type="...">variable</Token></Tokens>`, tokensEl ?? root)
    for (const t of tokenEls) {
      if (t.text === '') {
        ctx.error('TokenValueRequired', '<Token> must name the variable that holds the token', t)
        continue
      }
      tokens.push({ type: t.attributes.type ?? '', cascade: (t.attributes.cascade ?? 'true').trim().toLowerCase() !== 'false', variable: t.text })
    }
  }

  const attributes: AttributeConfig[] = []
  const attrsEl = child(root, 'Attributes')
  if (attrsEl) {
    for (const a of children(attrsEl, 'Attribute')) {
      const name = a.attributes.name ?? ''
      if (name === '') continue
      const attribute: AttributeConfig = { name, value: a.text, display: (a.attributes.display ?? 'true').trim().toLowerCase() !== 'false' }
      if (a.attributes.ref) attribute.ref = a.attributes.ref
      attributes.push(attribute)
    }
  }

  const scopeText = child(root, 'Scope')?.text
  const config: OAuthV2Config = {
    operation,
    attributes,
    clientId: param('ClientId', 'client_id'),
    // On verify operations <Scope> lists required scopes (below), not a variable to read.
    scope: operation === 'VerifyAccessToken' || operation === 'VerifyJWTAccessToken' ? { variables: [], explicit: false } : param('Scope', 'scope'),
    code: param('Code', 'code'),
    externalAuthorization: textBoolean(child(root, 'ExternalAuthorization'), false),
    generateResponse: enabledFlag(child(root, 'GenerateResponse'), false),
    generateErrorResponse: enabledFlag(child(root, 'GenerateErrorResponse'), false),
    grantType: param('GrantType', 'grant_type'),
    password: param('PassWord', 'password'),
    username: param('UserName', 'username'),
    redirectUri: param('RedirectUri', 'redirect_uri'),
    refreshToken: param('RefreshToken', 'refresh_token'),
    responseType: param('ResponseType', 'response_type'),
    state: param('State', 'state'),
    reuseRefreshToken: textBoolean(child(root, 'ReuseRefreshToken'), false),
    // [U] JWT generation and refresh answer in RFC 6749 shapes (seed: "error responses adhere to RFC6749").
    rfcCompliant: textBoolean(child(root, 'RFCCompliantRequestResponse'), operation === 'GenerateJWTAccessToken' || operation === 'RefreshJWTAccessToken'),
    requiredScopes: operation === 'VerifyAccessToken' || operation === 'VerifyJWTAccessToken' ? (scopeText ?? '').split(/\s+/).filter((s) => s !== '') : [],
    storeToken: textBoolean(child(root, 'StoreToken'), false),
    supportedGrantTypes,
    tokens
  }
  const optionalText = (name: string): string | undefined => {
    const t = child(root, name)?.text
    return t === undefined || t === '' ? undefined : t
  }
  const accessToken = optionalText('AccessToken')
  if (accessToken) config.accessToken = accessToken
  if (prefixEl && prefixEl.text !== '') config.accessTokenPrefix = prefixEl.text
  const appEndUser = optionalText('AppEndUser')
  if (appEndUser) config.appEndUser = appEndUser
  if (cacheExpiryInSeconds) config.cacheExpiryInSeconds = cacheExpiryInSeconds
  if (expiresIn) config.expiresIn = expiresIn
  if (refreshTokenExpiresIn) config.refreshTokenExpiresIn = refreshTokenExpiresIn
  const externalAccessToken = optionalText('ExternalAccessToken')
  if (externalAccessToken) config.externalAccessToken = externalAccessToken
  const externalAuthorizationCode = optionalText('ExternalAuthorizationCode')
  if (externalAuthorizationCode) config.externalAuthorizationCode = externalAuthorizationCode
  const externalRefreshToken = optionalText('ExternalRefreshToken')
  if (externalRefreshToken) config.externalRefreshToken = externalRefreshToken

  if (JWT_OPERATIONS.includes(operation)) compileJwtKeys(root, operation, config, ctx)
  return config
}

function readRefOrNumber(
  root: XmlElement,
  name: string,
  ctx: CompileContext,
  errorCode: string,
  allowMinusOne: boolean,
  min = 1,
  max = Number.MAX_SAFE_INTEGER
): RefOrNumber | undefined {
  const el = child(root, name)
  if (!el) return undefined
  const result: RefOrNumber = {}
  const ref = el.attributes.ref?.trim()
  if (ref) result.ref = ref
  if (el.text !== '') {
    const n = Number(el.text)
    const valid = /^-?\d+$/.test(el.text) && ((n >= min && n <= max) || (allowMinusOne && n === -1))
    if (!valid) {
      const range = allowMinusOne ? 'a positive integer or -1' : `an integer from ${min} to ${max}`
      ctx.error(errorCode, `<${name}> must be ${range}, found "${el.text}"`, el)
    } else result.value = n
  } else if (!ref) {
    ctx.error(errorCode, `<${name}> needs a value or a ref attribute`, el)
  }
  return result
}

function compileJwtKeys(root: XmlElement, operation: OAuthOperation, config: OAuthV2Config, ctx: CompileContext): void {
  const algEl = child(root, 'Algorithm')
  const alg = algEl?.text
  if (!alg || !(JWT_ALGORITHMS as readonly string[]).includes(alg)) {
    ctx.error('InvalidValueForAlgorithm', `<Algorithm> must be one of ${JWT_ALGORITHMS.join(', ')}${alg ? `, found "${alg}"` : ''}`, algEl ?? root)
    return
  }
  const algorithm = alg as JwtAlgorithm
  config.algorithm = algorithm
  const hmac = isHmac(algorithm)
  const verifying = operation === 'VerifyJWTAccessToken'
  const wanted = hmac ? 'SecretKey' : verifying ? 'PublicKey' : 'PrivateKey'
  for (const name of ['SecretKey', 'PrivateKey', 'PublicKey'] as const) {
    const el = child(root, name)
    if (!el) continue
    const familyOk = name === 'SecretKey' ? hmac : !hmac
    if (!familyOk) {
      ctx.error('InvalidKeyConfiguration', `<${name}> cannot be used with ${algorithm}`, el)
      continue
    }
    const valueEl = child(el, 'Value')
    if (!valueEl) {
      ctx.error('EmptyValueElementForKeyConfiguration', `<${name}> needs a <Value> child`, el)
      continue
    }
    const key: KeyConfig = {}
    if ('ref' in valueEl.attributes) {
      const ref = valueEl.attributes.ref!.trim()
      if (ref === '') {
        ctx.error('EmptyRefAttributeForKeyconfiguration', `The ref attribute of <${name}>/<Value> is empty`, valueEl)
        continue
      }
      if (!ref.startsWith('private.')) {
        ctx.error('InvalidVariableNameForKey', `The key variable "${ref}" must start with "private."`, valueEl)
        continue
      }
      key.ref = ref
    }
    if (valueEl.text !== '') key.value = valueEl.text
    if (key.ref === undefined && key.value === undefined) {
      ctx.error('EmptyValueElementForKeyConfiguration', `<${name}>/<Value> has neither a ref nor a value`, valueEl)
      continue
    }
    if (hmac && key.value !== undefined && hmacKeyBytes(key.value) < MIN_HMAC_KEY_BYTES[algorithm as 'HS256']) {
      ctx.error(
        'InsufficientKeyLength',
        `${algorithm} needs a key of at least ${MIN_HMAC_KEY_BYTES[algorithm as 'HS256']} bytes, found ${hmacKeyBytes(key.value)}`,
        valueEl
      )
      continue
    }
    if (name === 'SecretKey') config.secretKey = key
    else if (name === 'PrivateKey') config.privateKey = key
    else config.publicKey = key
  }
  const present = wanted === 'SecretKey' ? config.secretKey : wanted === 'PrivateKey' ? config.privateKey : config.publicKey
  if (!present && !child(root, wanted)) ctx.error('MissingKeyConfiguration', `${operation} with ${algorithm} needs <${wanted}>`, algEl ?? root)
}
