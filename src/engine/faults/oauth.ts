/**
 * The OAuthV2 fault catalogue as data (reference 2.1, 2.3, 2.5 and the seed's error reference).
 * `verifyFaults` and `policyFaults` are runtime fault envelopes; `tokenEndpointErrors` are the
 * token-issuing failures, each with its three shapes: Apigee `{"ErrorCode","Error"}` (GenerateResponse on),
 * RFC 6749 `{"error","error_description"}` (RFCCompliantRequestResponse) and the fault envelope
 * (GenerateResponse off).
 */
import type { FaultSpec } from './fault'
import type { CredentialFailure } from '../kms'

const spec = (name: string, status: number, errorcode: string, faultstring: string): FaultSpec => ({ name, status, errorcode, faultstring })

/** VerifyAccessToken / VerifyJWTAccessToken faults (401 unless noted); the WWW-Authenticate header goes with them. */
export const verifyFaults = {
  InvalidAccessToken: spec('InvalidAccessToken', 401, 'oauth.v2.InvalidAccessToken', 'Invalid access token'),
  invalid_access_token: spec('invalid_access_token', 401, 'keymanagement.service.invalid_access_token', 'Invalid Access Token'),
  access_token_expired: spec('access_token_expired', 401, 'keymanagement.service.access_token_expired', 'Access Token expired'),
  access_token_not_approved: spec('access_token_not_approved', 401, 'keymanagement.service.access_token_not_approved', 'Access Token not approved'),
  /** `{0}`: proxy.pathsuffix (slashes are JSON-escaped on the wire). */
  apiresource_doesnot_exist: spec('apiresource_doesnot_exist', 401, 'keymanagement.service.apiresource_doesnot_exist', 'APIResource {0} does not exist'),
  InvalidAPICallAsNoApiProductMatchFound: spec(
    'InvalidAPICallAsNoApiProductMatchFound',
    401,
    'keymanagement.service.InvalidAPICallAsNoApiProductMatchFound',
    'Invalid API call as no apiproduct match found'
  ),
  /** `{0}`: the policy's scopes as a Java list, e.g. `[read, write]` (Apigee X form). */
  InsufficientScope: spec('InsufficientScope', 403, 'steps.oauth.v2.InsufficientScope', 'Required scope(s): {0}'),
  /** The token's consumer key was revoked after issuance. */
  client_id_not_approved: spec(
    'invalid_client-client_id_not_approved',
    401,
    'keymanagement.service.invalid_client-client_id_not_approved',
    'Client Id not approved'
  ),
  consumer_key_expired: spec('consumer_key_expired', 401, 'keymanagement.service.consumer_key_expired', 'Key Expired'),
  app_not_approved: spec('invalid_client-app_not_approved', 401, 'keymanagement.service.invalid_client-app_not_approved', 'App not Approved'),
  DeveloperStatusNotActive: spec('DeveloperStatusNotActive', 401, 'keymanagement.service.DeveloperStatusNotActive', 'Developer Status is not Active'),
  JWTSigningFailed: spec('JWTSigningFailed', 401, 'oauth.v2.JWTSigningFailed', 'Failed to sign JWT access token'),
  InvalidValueForJWTAlgorithm: spec('InvalidValueForJWTAlgorithm', 401, 'oauth.v2.InvalidValueForJWTAlgorithm', 'Invalid or missing algorithm in JWT access token'),
  InsufficientKeyLength: spec('InsufficientKeyLength', 401, 'oauth.v2.InsufficientKeyLength', 'Insufficient key length for algorithm {0}'),
  JWTAlgorithmMismatch: spec('JWTAlgorithmMismatch', 401, 'oauth.v2.JWTAlgorithmMismatch', 'JWT algorithm mismatch'),
  JWTDecodingFailed: spec('JWTDecodingFailed', 401, 'oauth.v2.JWTDecodingFailed', 'JWT Access token decoding failed'),
  MissingMandatoryClaimsInJWT: spec('MissingMandatoryClaimsInJWT', 401, 'oauth.v2.MissingMandatoryClaimsInJWT', 'Missing mandatory claims in JWT access token'),
  InvalidJWTSignature: spec('InvalidJWTSignature', 401, 'oauth.v2.InvalidJWTSignature', 'Invalid JWT access token signature'),
  InvalidTypeInJWTHeader: spec('InvalidTypeInJWTHeader', 401, 'oauth.v2.InvalidTypeInJWTHeader', 'Invalid type in JWT header, expected at+JWT')
} as const satisfies Record<string, FaultSpec>

/** Other OAuthV2 runtime faults (500 family from the seed's table). */
export const policyFaults = {
  FailedToResolveClientId: spec('FailedToResolveClientId', 500, 'steps.oauth.v2.FailedToResolveClientId', 'Failed to resolve client id variable {0}'),
  FailedToResolveAuthorizationCode: spec(
    'FailedToResolveAuthorizationCode',
    500,
    'steps.oauth.v2.FailedToResolveAuthorizationCode',
    'Failed to resolve authorization code variable {0}'
  ),
  FailedToResolveRefreshToken: spec('FailedToResolveRefreshToken', 500, 'steps.oauth.v2.FailedToResolveRefreshToken', 'Failed to resolve refresh token variable {0}'),
  FailedToResolveToken: spec('FailedToResolveToken', 500, 'steps.oauth.v2.FailedToResolveToken', 'Failed to resolve token variable {0}'),
  InvalidTokenType: spec('InvalidTokenType', 500, 'steps.oauth.v2.InvalidTokenType', 'Invalid token type {0}'),
  InvalidParameter: spec('InvalidParameter', 500, 'steps.oauth.v2.InvalidParameter', 'Specify either an access token or an authorization code, not both')
} as const satisfies Record<string, FaultSpec>

/** One token-issuing failure in its three shapes. `{0}` in texts is filled at runtime. */
export interface TokenEndpointErrorSpec {
  /** `fault.name` when the error response is generated. */
  name: string
  status: number
  /** `ErrorCode` of the Apigee body. */
  errorCode: string
  /** `Error` of the Apigee body. */
  error: string
  /** RFC 6749 section 5.2 shape; `description` defaults to `error` above. */
  rfc: { error: string; description?: string; status: number }
  /** The fault envelope raised when GenerateResponse is off; its faultstring defaults to `error` above. */
  fault: FaultSpec
}

const invalidRequest = spec('invalid_request', 400, 'steps.oauth.v2.invalid_request', '')
const invalidClientIdentifier = spec('InvalidClientIdentifier', 500, 'oauth.v2.InvalidClientIdentifier', 'Invalid client identifier {0}')
const unsupportedGrantType = spec('UnSupportedGrantType', 500, 'steps.oauth.v2.UnSupportedGrantType', 'Unsupported grant type : {0}')

const request = (error: string, rfcError = 'invalid_request', fault: FaultSpec = invalidRequest, rfcDescription?: string): TokenEndpointErrorSpec => ({
  name: 'invalid_request',
  status: 400,
  errorCode: 'invalid_request',
  error,
  rfc: rfcDescription === undefined ? { error: rfcError, status: rfcError === 'invalid_client' ? 401 : 400 } : { error: rfcError, description: rfcDescription, status: 400 },
  fault
})

/** Token endpoint failures by stable id (reference 2.3). */
export const tokenEndpointErrors = {
  MissingGrantType: request('Required param : grant_type'),
  UnsupportedGrantType: {
    name: 'UnSupportedGrantType',
    status: 400,
    errorCode: 'invalid_request',
    error: 'Unsupported grant type : {0}',
    rfc: { error: 'unsupported_grant_type', status: 400 },
    fault: unsupportedGrantType
  },
  InvalidClient: {
    name: 'invalid_client',
    status: 401,
    errorCode: 'invalid_client',
    error: 'ClientId is Invalid',
    rfc: { error: 'invalid_client', status: 401 },
    fault: invalidClientIdentifier
  },
  AppNotApproved: {
    name: 'invalid_client-app_not_approved',
    status: 401,
    errorCode: 'invalid_client',
    error: 'App not Approved',
    rfc: { error: 'invalid_client', status: 401 },
    fault: verifyFaults.app_not_approved
  },
  DeveloperNotActive: {
    name: 'DeveloperStatusNotActive',
    status: 401,
    errorCode: 'invalid_client',
    error: 'Developer Status is not Active',
    rfc: { error: 'invalid_client', status: 401 },
    fault: verifyFaults.DeveloperStatusNotActive
  },
  MissingUsername: request('Required param : username'),
  MissingPassword: request('Required param : password'),
  MissingCode: request('Required param : code'),
  InvalidCode: request(
    'Invalid Authorization Code',
    'invalid_grant',
    spec('invalid_request', 400, 'keymanagement.service.invalid_request-authorization_code_invalid', 'Invalid Authorization Code')
  ),
  MissingRedirectUriAtToken: request('Required param : redirect_uri'),
  InvalidRedirectUriAtToken: request('Invalid redirect_uri : {0}', 'invalid_grant'),
  MissingRefreshToken: request('Required param : refresh_token'),
  InvalidRefreshToken: request(
    'Invalid Refresh Token',
    'invalid_grant',
    spec('invalid_request', 400, 'keymanagement.service.invalid_refresh_token', 'Invalid Refresh Token')
  ),
  ExpiredRefreshToken: request(
    'Refresh Token expired',
    'invalid_grant',
    spec('invalid_request', 400, 'keymanagement.service.refresh_token_expired', 'Refresh Token expired'),
    'refresh token expired'
  ),
  InvalidScope: request('Invalid Scope', 'invalid_scope'),
  InvalidRedirectionUri: request('Invalid redirection uri {0}'),
  MissingRedirectionUri: request('Redirection URI is required'),
  UnknownClientIdAtAuthorize: {
    name: 'invalid_client',
    status: 401,
    errorCode: 'invalid_request',
    error: 'Invalid client id : {0}. ClientId is Invalid',
    rfc: { error: 'invalid_client', status: 401 },
    fault: invalidClientIdentifier
  },
  MissingClientIdAtAuthorize: request('The request is missing a required parameter : client_id'),
  ResponseTypeNotCode: request('Response type must be code', 'unsupported_response_type'),
  MissingResponseType: request('The request is missing a required parameter : response_type'),
  ResponseTypeNotToken: request('Response type must be token', 'unsupported_response_type')
} as const satisfies Record<string, TokenEndpointErrorSpec>

export type TokenEndpointErrorId = keyof typeof tokenEndpointErrors

/** Fills `{0}` in a catalogue text. */
export function fillPlaceholder(text: string, value: string | undefined): string {
  return value === undefined ? text : text.replace('{0}', value)
}

/** The VerifyAccessToken fault for a token whose credential, app or developer no longer passes (reference 3). */
export function verifyTokenCredentialFault(failure: CredentialFailure): FaultSpec {
  switch (failure) {
    case 'unknown-key':
      return verifyFaults.invalid_access_token
    case 'credential-revoked':
      return verifyFaults.client_id_not_approved
    case 'credential-expired':
      return verifyFaults.consumer_key_expired
    case 'app-revoked':
      return verifyFaults.app_not_approved
    case 'developer-inactive':
      return verifyFaults.DeveloperStatusNotActive
  }
}
