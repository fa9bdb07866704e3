import { describe, expect, test } from 'vitest'
import { call, deployOk, makeEngine, proxy, proxyEndpoint, step, workspace } from '../runtime/helpers'
import { deployErrors } from './standard-helpers'
import { apiProductSchema, developerAppSchema, developerSchema } from '../../../src/shared/model'

const entities = {
  apiProducts: [apiProductSchema.parse({ name: 'Gold', displayName: 'Gold plan', environments: ['test'], proxies: ['p'], scopes: ['read'], attributes: [{ name: 'tier', value: 'gold' }] })],
  developers: [developerSchema.parse({ developerId: 'dev-1', email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', userName: 'ada', attributes: [{ name: 'team', value: 'R&D' }] })],
  apps: [
    developerAppSchema.parse({
      appId: 'app-1',
      name: 'Analytical',
      developerId: 'dev-1',
      createdAt: 5,
      credentials: [{ consumerKey: 'key-1', consumerSecret: 'secret-1', issuedAt: 7, apiProducts: [{ apiproduct: 'Gold', status: 'approved' }] }]
    })
  ]
}

const show = `<AssignMessage name="Show"><Set><Payload contentType="text/plain">{AccessEntity.AE}</Payload></Set></AssignMessage>`

async function run(policy: string, url = '/p?key=key-1') {
  const engine = makeEngine()
  const xml = proxyEndpoint(`<PreFlow><Request>${step('AE')}</Request><Response>${step('Show')}</Response></PreFlow>`)
  deployOk(engine, workspace([proxy({ name: 'p', basePath: '/p', policies: { AE: policy, Show: show }, proxyEndpoints: { default: xml } })], entities))
  return call(engine, 'test', 'GET', url)
}
const ae = (type: string, id: string, extra = '') => `<AccessEntity name="AE"><EntityType value="${type}"/>${id}${extra}</AccessEntity>`

describe('AccessEntity', () => {
  test('the developer of a consumer key, as XML', async () => {
    const r = await run(ae('developer', '<EntityIdentifier ref="request.queryparam.key" type="consumerkey"/>'))
    expect(r.text).toBe(
      '<Developer><Apps><App>Analytical</App></Apps><Attributes><Attribute><Name>team</Name><Value>R&amp;D</Value></Attribute></Attributes>' +
        '<DeveloperId>dev-1</DeveloperId><Email>ada@example.com</Email><FirstName>Ada</FirstName><LastName>Lovelace</LastName>' +
        '<OrganizationName>acme</OrganizationName><Status>active</Status><UserName>ada</UserName></Developer>'
    )
  })

  test('an app by name and developer e-mail, as JSON', async () => {
    const r = await run(ae('app', '<EntityIdentifier type="appname">Analytical</EntityIdentifier>', '<SecondaryIdentifier type="developeremail">ada@example.com</SecondaryIdentifier><OutputFormat>JSON</OutputFormat>'))
    const app = JSON.parse(r.text) as { appId: string; credentials: Array<{ consumerKey: string; apiProducts: unknown[] }> }
    expect(app.appId).toBe('app-1')
    expect(app.credentials[0]).toMatchObject({ consumerKey: 'key-1', apiProducts: [{ apiproduct: 'Gold', status: 'approved' }] })
  })

  test('the API product of an app id and a consumer key entity', async () => {
    const product = await run(ae('apiproduct', '<EntityIdentifier type="appid">app-1</EntityIdentifier>'))
    expect(product.text).toContain('<ApiProduct><ApiResources></ApiResources><ApprovalType>auto</ApprovalType>')
    expect(product.text).toContain('<Name>Gold</Name><Proxies><Proxy>p</Proxy></Proxies><Scopes><Scope>read</Scope></Scopes></ApiProduct>')
    const key = await run(ae('consumerkey', '<EntityIdentifier ref="request.queryparam.key" type="consumerkey"/>'))
    expect(key.text).toContain('<Credential><ApiProducts><ApiProduct><Name>Gold</Name><Status>approved</Status></ApiProduct></ApiProducts>')
  })

  test('an unknown entity leaves the variable unset; the request goes on', async () => {
    const r = await run(ae('developer', '<EntityIdentifier ref="request.queryparam.key" type="consumerkey"/>'), '/p?key=nope')
    expect([r.status, r.text]).toEqual([200, ''])
    expect(r.trace.steps.find((s) => s.policy === 'AE')!.description).toBe('no developer with consumerkey nope: AccessEntity.AE not set')
  })

  test.each([
    [ae('company', '<EntityIdentifier type="companyname">x</EntityIdentifier>'), ['InvalidEntityType', 'InvalidIdentifierType']],
    [ae('developer', '<EntityIdentifier type="apiproductname">x</EntityIdentifier>'), ['InvalidIdentifierType']],
    [ae('app', '<EntityIdentifier type="appname">x</EntityIdentifier>'), ['InvalidIdentifier']],
    [ae('app', '<EntityIdentifier type="appid">x</EntityIdentifier>', '<OutputFormat>YAML</OutputFormat>'), ['InvalidOutputFormat']],
    ['<AccessEntity name="AE"><EntityType value="app"/></AccessEntity>', ['InvalidIdentifier']]
  ])('deployment error %#', (xml, codes) => {
    expect(deployErrors({ AE: xml })).toEqual(codes)
  })
})
