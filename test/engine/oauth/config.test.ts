import { describe, expect, it } from 'vitest'
import { compile, policy } from './harness'

const HS = '<Algorithm>HS256</Algorithm>'

describe('OAuthV2 deployment errors (seed tables)', () => {
  it.each([
    ['OperationRequired', '<OAuthV2 name="x"/>', '/OAuthV2'],
    ['OperationRequired', '<OAuthV2 name="x"><Operation></Operation></OAuthV2>', '/OAuthV2/Operation'],
    ['InvalidOperation', policy('MakeToken'), '/OAuthV2/Operation'],
    ['InvalidValueForExpiresIn', policy('GenerateAccessToken', '<ExpiresIn>0</ExpiresIn>'), '/OAuthV2/ExpiresIn'],
    ['InvalidValueForExpiresIn', policy('GenerateAccessToken', '<ExpiresIn>1h</ExpiresIn>'), '/OAuthV2/ExpiresIn'],
    ['InvalidValueForRefreshTokenExpiresIn', policy('GenerateAccessToken', '<RefreshTokenExpiresIn>-2</RefreshTokenExpiresIn>'), '/OAuthV2/RefreshTokenExpiresIn'],
    ['InvalidGrantType', policy('GenerateAccessToken', '<SupportedGrantTypes><GrantType>magic</GrantType></SupportedGrantTypes>'), '/OAuthV2/SupportedGrantTypes/GrantType'],
    ['ExpiresInNotApplicableForOperation', policy('VerifyAccessToken', '<ExpiresIn>1000</ExpiresIn>'), '/OAuthV2/ExpiresIn'],
    ['RefreshTokenExpiresInNotApplicableForOperation', policy('GenerateAuthorizationCode', '<RefreshTokenExpiresIn>1000</RefreshTokenExpiresIn>'), '/OAuthV2/RefreshTokenExpiresIn'],
    ['GrantTypesNotApplicableForOperation', policy('VerifyAccessToken', '<SupportedGrantTypes><GrantType>password</GrantType></SupportedGrantTypes>'), '/OAuthV2/SupportedGrantTypes'],
    ['TokenValueRequired', policy('InvalidateToken', '<Tokens><Token type="accesstoken"></Token></Tokens>'), '/OAuthV2/Tokens/Token'],
    ['TokenValueRequired', policy('ValidateToken'), '/OAuthV2'],
    ['InvalidValueForAccessTokenPrefix', policy('VerifyAccessToken', '<AccessToken>request.header.t</AccessToken><AccessTokenPrefix></AccessTokenPrefix>'), '/OAuthV2/AccessTokenPrefix'],
    ['InvalidValueForCacheExpiryInSeconds', policy('VerifyAccessToken', '<CacheExpiryInSeconds>181</CacheExpiryInSeconds>'), '/OAuthV2/CacheExpiryInSeconds'],
    ['InvalidValueForAlgorithm', policy('GenerateJWTAccessToken', '<Algorithm>ES256</Algorithm>'), '/OAuthV2/Algorithm'],
    ['InvalidValueForAlgorithm', policy('VerifyJWTAccessToken'), '/OAuthV2'],
    ['MissingKeyConfiguration', policy('GenerateJWTAccessToken', HS), '/OAuthV2/Algorithm'],
    ['MissingKeyConfiguration', policy('VerifyJWTAccessToken', '<Algorithm>RS256</Algorithm>'), '/OAuthV2/Algorithm'],
    ['EmptyValueElementForKeyConfiguration', policy('GenerateJWTAccessToken', `${HS}<SecretKey/>`), '/OAuthV2/SecretKey'],
    ['InvalidKeyConfiguration', policy('GenerateJWTAccessToken', `${HS}<PrivateKey><Value ref="private.k"/></PrivateKey><SecretKey><Value ref="private.s"/></SecretKey>`), '/OAuthV2/PrivateKey'],
    ['InvalidKeyConfiguration', policy('GenerateJWTAccessToken', '<Algorithm>RS256</Algorithm><SecretKey><Value ref="private.s"/></SecretKey><PrivateKey><Value ref="private.k"/></PrivateKey>'), '/OAuthV2/SecretKey'],
    ['EmptyRefAttributeForKeyconfiguration', policy('GenerateJWTAccessToken', `${HS}<SecretKey><Value ref=""/></SecretKey>`), '/OAuthV2/SecretKey/Value'],
    ['InvalidVariableNameForKey', policy('GenerateJWTAccessToken', `${HS}<SecretKey><Value ref="my.key"/></SecretKey>`), '/OAuthV2/SecretKey/Value'],
    ['InsufficientKeyLength', policy('GenerateJWTAccessToken', `${HS}<SecretKey><Value>${'k'.repeat(31)}</Value></SecretKey>`), '/OAuthV2/SecretKey/Value'],
    ['InsufficientKeyLength', policy('VerifyJWTAccessToken', `<Algorithm>HS512</Algorithm><SecretKey><Value>${'k'.repeat(63)}</Value></SecretKey>`), '/OAuthV2/SecretKey/Value']
  ])('%s for %s', (code, xml, path) => {
    const { errors } = compile(xml)
    expect(errors.map((e) => e.code)).toContain(code)
    expect(errors.find((e) => e.code === code)?.path).toBe(path)
  })

  it('a complete valid policy has no errors and reads every element', () => {
    const { config, errors } = compile(
      policy(
        'GenerateAccessToken',
        `<ExpiresIn ref="kvm.ttl">3600000</ExpiresIn><RefreshTokenExpiresIn>-1</RefreshTokenExpiresIn>
         <SupportedGrantTypes><GrantType>client_credentials</GrantType><GrantType>password</GrantType></SupportedGrantTypes>
         <GrantType>request.queryparam.grant_type</GrantType><UserName>request.header.u</UserName><PassWord>request.header.p</PassWord>
         <GenerateResponse enabled="false"/><GenerateErrorResponse enabled="true"/><ReuseRefreshToken>true</ReuseRefreshToken>
         <RFCCompliantRequestResponse>true</RFCCompliantRequestResponse><Scope>request.formparam.scope</Scope><AppEndUser>request.header.user</AppEndUser>
         <ExternalAuthorization>true</ExternalAuthorization><ExternalAccessToken>request.header.ext</ExternalAccessToken><StoreToken>true</StoreToken>
         <Attributes><Attribute name="a" ref="x.y" display="false">d</Attribute></Attributes>`
      )
    )
    expect(errors).toEqual([])
    expect(config).toMatchObject({
      operation: 'GenerateAccessToken',
      expiresIn: { ref: 'kvm.ttl', value: 3600000 },
      refreshTokenExpiresIn: { value: -1 },
      supportedGrantTypes: ['client_credentials', 'password'],
      grantType: { variables: ['request.queryparam.grant_type'], explicit: true },
      username: { variables: ['request.header.u'], explicit: true },
      generateResponse: false,
      generateErrorResponse: true,
      reuseRefreshToken: true,
      rfcCompliant: true,
      scope: { variables: ['request.formparam.scope'], explicit: true },
      appEndUser: 'request.header.user',
      externalAuthorization: true,
      externalAccessToken: 'request.header.ext',
      storeToken: true,
      attributes: [{ name: 'a', ref: 'x.y', value: 'd', display: false }]
    })
  })

  it('defaults: SupportedGrantTypes authorization_code + implicit, GenerateResponse off, form parameters', () => {
    const { config } = compile(policy('GenerateAccessToken'))
    expect(config.supportedGrantTypes).toEqual(['authorization_code', 'implicit'])
    expect(config.generateResponse).toBe(false)
    expect(config.grantType).toEqual({ variables: ['request.formparam.grant_type'], explicit: false })
    expect(compile(policy('GenerateAccessToken', '<GenerateResponse/>')).config.generateResponse).toBe(true)
    expect(compile(policy('GenerateAuthorizationCode')).config.clientId.variables).toEqual(['request.queryparam.client_id', 'request.formparam.client_id'])
  })
})
