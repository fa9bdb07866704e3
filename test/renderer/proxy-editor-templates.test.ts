import { describe, expect, it } from 'vitest'
import type { ApiProxy } from '../../src/shared/model'
import type { ProxyDeployment } from '../../src/shared/deployment'
import { freeName, policyTemplates, templateById } from '../../src/shared/policy-templates'
import { addStepToPreFlow } from '../../src/renderer/src/components/proxy-editor/outline'
import { bundleFiles, bundlePatch, describeFile, groupErrors, servingNote } from '../../src/renderer/src/components/proxy-editor/files'

describe('policy templates', () => {
  it('offers every template the issue asks for', () => {
    expect(policyTemplates.map((t) => t.label)).toEqual([
      'VerifyAccessToken',
      'GenerateAccessToken (client_credentials)',
      'GenerateAccessToken (password)',
      'GenerateAccessToken (authorization_code)',
      'RefreshAccessToken',
      'GenerateAuthorizationCode',
      'InvalidateToken',
      'VerifyAPIKey',
      'AssignMessage',
      'RaiseFault',
      'JavaScript',
      'XMLToJSON',
      'JSONToXML',
      'Quota',
      'SpikeArrest',
      'ResetQuota',
      'CORS',
      'JSONThreatProtection',
      'XMLThreatProtection',
      'AccessEntity',
      'GenerateJWT',
      'VerifyJWT',
      'DecodeJWT',
      'ServiceCallout',
      'PopulateCache',
      'LookupCache',
      'InvalidateCache',
      'ResponseCache',
      'MessageLogging',
      'StatisticsCollector',
      'AssertCondition',
      'HMAC',
      'RegularExpressionProtection',
      'DataCapture'
    ])
  })

  it('writes the reference sample for client_credentials and the sample verify policy', () => {
    expect(templateById('verify-access-token')!.xml('OAuthV2-Verify-Access-Token')).toBe(
      '<OAuthV2 name="OAuthV2-Verify-Access-Token">\n  <Operation>VerifyAccessToken</Operation>\n</OAuthV2>\n'
    )
    const cc = templateById('generate-access-token-client-credentials')!.xml('GenerateAccessToken')
    expect(cc.replace(/<!--[\s\S]*?-->/g, '').replace(/\s+/g, '')).toBe(
      '<OAuthV2name="GenerateAccessToken"><Operation>GenerateAccessToken</Operation><ExpiresIn>3600000</ExpiresIn><SupportedGrantTypes><GrantType>client_credentials</GrantType></SupportedGrantTypes><GrantType>request.queryparam.grant_type</GrantType><GenerateResponse/></OAuthV2>'
    )
  })

  it('JavaScript comes with its jsc resource, named after the policy', () => {
    const js = templateById('javascript')!
    expect(js.xml('JS-Check')).toContain('<ResourceURL>jsc://JS-Check.js</ResourceURL>')
    expect(js.resource!('JS-Check').path).toBe('jsc/JS-Check.js')
  })

  it('suggests a free policy name', () => {
    expect(freeName('AM-Set-Header', ['Other'])).toBe('AM-Set-Header')
    expect(freeName('AM-Set-Header', ['AM-Set-Header', 'AM-Set-Header-2'])).toBe('AM-Set-Header-3')
  })
})

describe('bundle files', () => {
  const proxy: ApiProxy = {
    name: 'P',
    description: '',
    basePath: '/p',
    environments: [],
    proxyEndpoints: { default: '<ProxyEndpoint/>' },
    targetEndpoints: { backend: '<TargetEndpoint/>' },
    policies: { 'AM-X': '<AssignMessage/>' },
    resources: { 'jsc/a.js': '1' }
  }

  it('keys files as deployment errors name them, and turns them back into the proxy maps', () => {
    const files = bundleFiles(proxy)
    expect(Object.keys(files)).toEqual(['proxies/default.xml', 'targets/backend.xml', 'policies/AM-X.xml', 'resources/jsc/a.js'])
    expect(describeFile('resources/jsc/a.js')).toEqual({ key: 'resources/jsc/a.js', group: 'resources', name: 'jsc/a.js' })
    expect(describeFile('policies/readme.txt')).toBeNull()
    expect(bundlePatch(files)).toEqual({ proxyEndpoints: proxy.proxyEndpoints, targetEndpoints: proxy.targetEndpoints, policies: proxy.policies, resources: proxy.resources })
  })

  const failed = (environment: string, revision: number | null): ProxyDeployment => ({
    proxy: 'P',
    environment,
    state: 'failed',
    revision,
    basePath: '/p',
    errors: [
      { code: 'InvalidOperation', message: 'bad', proxy: 'P', file: 'policies/AM-X.xml', path: '/OAuthV2/Operation', line: 2, column: 3 },
      { code: 'MalformedXML', message: 'x', proxy: 'P', file: 'policies/A.xml', line: 1, column: 1 }
    ],
    warnings: []
  })

  it('lists an error once with every environment that reported it, in file order', () => {
    const grouped = groupErrors([failed('test', 3), failed('prod', null)])
    expect(grouped.map((e) => [e.code, e.file, e.environments])).toEqual([
      ['MalformedXML', 'policies/A.xml', ['test', 'prod']],
      ['InvalidOperation', 'policies/AM-X.xml', ['test', 'prod']]
    ])
  })

  it('says which revision still serves after a failed deployment', () => {
    expect(servingNote(failed('test', 3))).toBe('revision 3 still serves test')
    expect(servingNote(failed('prod', null))).toBe('nothing serves prod: no revision of P ever deployed there')
    expect(servingNote({ ...failed('test', 4), state: 'deployed', errors: [] })).toBe('revision 4 serves test')
  })
})
