/**
 * Fault catalogue of VerifyAPIKey, GetOAuthV2Info, SetOAuthV2Info and DeleteOAuthV2Info
 * (reference 2.2, 2.4, 2.5). Bodies are the default envelope `{"fault":{"faultstring","detail":{"errorcode"}}}`.
 * Entries marked [U] in the reference are explained in docs/fidelity.md.
 */
import type { CredentialFailure } from '../kms'
import type { FaultSpec } from './fault'

const spec = (name: string, status: number, errorcode: string, faultstring: string): FaultSpec => ({ name, status, errorcode, faultstring })

/** VerifyAPIKey faults by fault.name. */
export const verifyApiKeyFaults = {
  /** `{0}` is the variable named in `<APIKey ref>`. */
  FailedToResolveAPIKey: spec('FailedToResolveAPIKey', 401, 'steps.oauth.v2.FailedToResolveAPIKey', 'Failed to resolve API Key variable {0}'),
  InvalidApiKey: spec('InvalidApiKey', 401, 'oauth.v2.InvalidApiKey', 'Invalid ApiKey'),
  InvalidApiKeyForGivenResource: spec(
    'InvalidApiKeyForGivenResource',
    401,
    'oauth.v2.InvalidApiKeyForGivenResource',
    'Invalid ApiKey for given resource'
  ),
  ApiKeyNotApproved: spec('ApiKeyNotApproved', 401, 'oauth.v2.ApiKeyNotApproved', 'ApiKey not approved'),
  consumer_key_expired: spec('consumer_key_expired', 401, 'keymanagement.service.consumer_key_expired', 'Key Expired'),
  'invalid_client-app_not_approved': spec(
    'invalid_client-app_not_approved',
    401,
    'keymanagement.service.invalid_client-app_not_approved',
    'App not Approved'
  ),
  DeveloperStatusNotActive: spec(
    'DeveloperStatusNotActive',
    401,
    'keymanagement.service.DeveloperStatusNotActive',
    'Developer Status is not Active'
  )
} as const satisfies Record<string, FaultSpec>

/** The VerifyAPIKey fault for a failed credential check. */
export function verifyApiKeyCredentialFault(failure: CredentialFailure): FaultSpec {
  switch (failure) {
    case 'unknown-key':
      return verifyApiKeyFaults.InvalidApiKey
    case 'credential-revoked':
      return verifyApiKeyFaults.ApiKeyNotApproved
    case 'credential-expired':
      return verifyApiKeyFaults.consumer_key_expired
    case 'app-revoked':
      return verifyApiKeyFaults['invalid_client-app_not_approved']
    case 'developer-inactive':
      return verifyApiKeyFaults.DeveloperStatusNotActive
  }
}

/** GetOAuthV2Info faults (reference 2.4: 500 except the product-match fault). */
export const getOAuthV2InfoFaults = {
  access_token_expired: spec('access_token_expired', 500, 'keymanagement.service.access_token_expired', 'Access Token expired'),
  authorization_code_expired: spec(
    'authorization_code_expired',
    500,
    'keymanagement.service.authorization_code_expired',
    'Authorization Code expired'
  ),
  invalid_access_token: spec('invalid_access_token', 500, 'keymanagement.service.invalid_access_token', 'Invalid Access Token'),
  'invalid_client-invalid_client_id': spec(
    'invalid_client-invalid_client_id',
    500,
    'keymanagement.service.invalid_client-invalid_client_id',
    'ClientId is Invalid'
  ),
  invalid_refresh_token: spec('invalid_refresh_token', 500, 'keymanagement.service.invalid_refresh_token', 'Invalid Refresh Token'),
  'invalid_request-authorization_code_invalid': spec(
    'invalid_request-authorization_code_invalid',
    500,
    'keymanagement.service.invalid_request-authorization_code_invalid',
    'Invalid Authorization Code'
  ),
  InvalidAPICallAsNoApiProductMatchFound: spec(
    'InvalidAPICallAsNoApiProductMatchFound',
    401,
    'keymanagement.service.InvalidAPICallAsNoApiProductMatchFound',
    'Invalid API call as no apiproduct match found'
  ),
  refresh_token_expired: spec('refresh_token_expired', 500, 'keymanagement.service.refresh_token_expired', 'Refresh Token expired')
} as const satisfies Record<string, FaultSpec>

/** SetOAuthV2Info faults (reference 2.5, same pattern as GetOAuthV2Info). */
export const setOAuthV2InfoFaults = {
  access_token_expired: getOAuthV2InfoFaults.access_token_expired,
  invalid_access_token: getOAuthV2InfoFaults.invalid_access_token,
  InvalidAPICallAsNoApiProductMatchFound: getOAuthV2InfoFaults.InvalidAPICallAsNoApiProductMatchFound
} as const satisfies Record<string, FaultSpec>

/** DeleteOAuthV2Info faults (reference 2.5: 404 on the X OAuth error page). */
export const deleteOAuthV2InfoFaults = {
  invalid_access_token: spec('invalid_access_token', 404, 'keymanagement.service.invalid_access_token', 'Invalid Access Token'),
  'invalid_request-authorization_code_invalid': spec(
    'invalid_request-authorization_code_invalid',
    404,
    'keymanagement.service.invalid_request-authorization_code_invalid',
    'Invalid Authorization Code'
  )
} as const satisfies Record<string, FaultSpec>

/** Deployment error codes of these policies. */
export const keyPolicyDeploymentErrors = {
  /** VerifyAPIKey `<APIKey>` has neither a ref nor a value (documented). */
  SpecifyValueOrRefApiKey: 'SpecifyValueOrRefApiKey',
  /** Get/Set/DeleteOAuthV2Info without the element naming what to look up ([U] name). */
  InvalidOAuthV2InfoElement: 'InvalidOAuthV2InfoElement'
} as const
