import { describe, expect, it } from 'vitest'
import { workspaceIssues, workspaceSchema, type Workspace } from '../../src/shared/model'

const base = (): Workspace =>
  workspaceSchema.parse({
    schemaVersion: 2,
    organization: { name: 'sample' },
    environments: [
      { name: 'test', port: 9001, hostAliases: ['test.local'] },
      { name: 'prod', port: 9002 }
    ],
    proxies: [
      { name: 'API_One', basePath: '/api-one', environments: ['test', 'prod'] },
      { name: 'API_Two', basePath: '/api-two', environments: ['test'] }
    ],
    apiProducts: [{ name: 'Product_One', proxies: ['API_One'], environments: ['test'] }],
    developers: [{ developerId: 'dev-one', email: 'dev.one@sample.example' }],
    apps: [
      {
        appId: 'app-one',
        name: 'App_One',
        developerId: 'dev-one',
        credentials: [{ consumerKey: 'k1', consumerSecret: 's1', issuedAt: 1, apiProducts: [{ apiproduct: 'Product_One', status: 'approved' }] }]
      }
    ]
  })

describe('workspaceIssues', () => {
  it('accepts a consistent workspace', () => {
    expect(workspaceIssues(base())).toEqual([])
  })

  const cases: Array<{ name: string; change: (ws: Workspace) => void; issue: { kind: 'missing' | 'duplicate'; field: string; message: string } }> = [
    {
      name: 'duplicate environment name',
      change: (ws) => ws.environments.push({ ...ws.environments[1]!, name: 'test', port: 9003, hostAliases: [] }),
      issue: { kind: 'duplicate', field: 'environments.2.name', message: 'Environment test already exists' }
    },
    {
      name: 'duplicate environment port',
      change: (ws) => (ws.environments[1]!.port = 9001),
      issue: { kind: 'duplicate', field: 'environments.1.port', message: 'Port 9001 is already used by another environment' }
    },
    {
      name: 'host alias used by two environments (case-insensitive)',
      change: (ws) => (ws.environments[1]!.hostAliases = ['TEST.local']),
      issue: { kind: 'duplicate', field: 'environments.1.hostAliases.0', message: 'Host alias TEST.local is already used by environment test' }
    },
    {
      name: 'proxy deployed to a missing environment',
      change: (ws) => ws.proxies[1]!.environments.push('staging'),
      issue: { kind: 'missing', field: 'proxies.1.environments.1', message: 'Environment staging does not exist' }
    },
    {
      name: 'base path used twice in one environment',
      change: (ws) => (ws.proxies[1]!.basePath = '/api-one'),
      issue: { kind: 'duplicate', field: 'proxies.1.basePath', message: 'Base path /api-one is already used in environment test by API proxy API_One' }
    },
    {
      name: 'product with a missing environment',
      change: (ws) => ws.apiProducts[0]!.environments.push('staging'),
      issue: { kind: 'missing', field: 'apiProducts.0.environments.1', message: 'Environment staging does not exist' }
    },
    {
      name: 'product with a missing proxy',
      change: (ws) => (ws.apiProducts[0]!.proxies = ['API_X']),
      issue: { kind: 'missing', field: 'apiProducts.0.proxies.0', message: 'API proxy API_X does not exist' }
    },
    {
      name: 'operation group naming a missing proxy',
      change: (ws) => (ws.apiProducts[0]!.operationGroup = { operationConfigType: 'proxy', operationConfigs: [{ apiSource: 'API_X', operations: [], attributes: [] }] }),
      issue: { kind: 'missing', field: 'apiProducts.0.operationGroup.operationConfigs.0.apiSource', message: 'API proxy API_X does not exist' }
    },
    {
      name: 'duplicate product name',
      change: (ws) => ws.apiProducts.push({ ...ws.apiProducts[0]! }),
      issue: { kind: 'duplicate', field: 'apiProducts.1.name', message: 'Product Product_One already exists' }
    },
    {
      name: 'developer e-mail used twice (case-insensitive)',
      change: (ws) => ws.developers.push({ ...ws.developers[0]!, developerId: 'dev-two', email: 'DEV.ONE@sample.example' }),
      issue: { kind: 'duplicate', field: 'developers.1.email', message: 'Developer dev.one@sample.example already exists' }
    },
    {
      name: 'app of a missing developer',
      change: (ws) => (ws.apps[0]!.developerId = 'dev-x'),
      issue: { kind: 'missing', field: 'apps.0.developerId', message: 'Developer dev-x does not exist' }
    },
    {
      name: 'duplicate app name',
      change: (ws) => ws.apps.push({ ...ws.apps[0]!, appId: 'app-two', credentials: [] }),
      issue: { kind: 'duplicate', field: 'apps.1.name', message: 'App App_One already exists' }
    },
    {
      name: 'consumer key used by two apps',
      change: (ws) => ws.apps.push({ ...ws.apps[0]!, name: 'App_Two', appId: 'app-two' }),
      issue: { kind: 'duplicate', field: 'apps.1.credentials.0.consumerKey', message: 'Consumer key k1 is already used by app App_One' }
    },
    {
      name: 'credential product that does not exist',
      change: (ws) => ws.apps[0]!.credentials[0]!.apiProducts.push({ apiproduct: 'Product_X', status: 'approved' }),
      issue: { kind: 'missing', field: 'apps.0.credentials.0.apiProducts.1.apiproduct', message: 'Product Product_X does not exist' }
    }
  ]
  it.each(cases)('$name', ({ change, issue }) => {
    const ws = base()
    change(ws)
    expect(workspaceIssues(ws)).toEqual([issue])
  })
})
