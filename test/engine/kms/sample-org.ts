/** The sample organization of the "no apiproduct match found" article (seed 000) and its comment. */
import { workspaceSchema, type Workspace } from '../../../src/shared/model'

/** A fresh copy of the article's organization; tests may mutate it freely. */
export function sampleOrg(): Workspace {
  return workspaceSchema.parse({
    schemaVersion: 2,
    organization: { name: 'sample' },
    environments: [
      { name: 'test', port: 9001 },
      { name: 'prod', port: 9002 }
    ],
    proxies: [
      { name: 'API_One', basePath: '/api-one', environments: ['test', 'prod'] },
      { name: 'API_Two', basePath: '/api-two', environments: ['test', 'prod'] }
    ],
    apiProducts: [
      { name: 'Product_One', proxies: ['API_One'], environments: ['test'], approvalType: 'auto', scopes: ['read'] },
      { name: 'Product_Two', proxies: ['API_Two'], environments: ['prod'], approvalType: 'auto', scopes: ['write'] },
      {
        name: 'Product_Manual',
        proxies: ['API_One'],
        environments: ['test', 'prod'],
        approvalType: 'manual',
        attributes: [{ name: 'tier', value: 'gold' }]
      }
    ],
    developers: [
      { developerId: 'dev-one', email: 'dev.one@example.com', firstName: 'Dev', lastName: 'One', userName: 'Dev_One' },
      { developerId: 'dev-two', email: 'dev.two@example.com', firstName: 'Dev', lastName: 'Two', userName: 'Dev_Two' }
    ],
    apps: [
      {
        appId: 'app-one-id',
        name: 'App_One',
        developerId: 'dev-one',
        callbackUrl: 'https://one.example.com/cb',
        attributes: [{ name: 'team', value: 'blue' }],
        createdAt: 1000,
        credentials: [
          {
            consumerKey: 'app-one-key',
            consumerSecret: 'app-one-secret',
            issuedAt: 1000,
            apiProducts: [{ apiproduct: 'Product_One', status: 'approved' }]
          }
        ]
      },
      {
        appId: 'app-two-id',
        name: 'App_Two',
        developerId: 'dev-two',
        credentials: [
          {
            consumerKey: 'app-two-key',
            consumerSecret: 'app-two-secret',
            issuedAt: 1000,
            apiProducts: [{ apiproduct: 'Product_Two', status: 'approved' }]
          }
        ]
      },
      {
        appId: 'app-three-id',
        name: 'App_Three',
        developerId: 'dev-one',
        credentials: [
          {
            consumerKey: 'app-three-key',
            consumerSecret: 'app-three-secret',
            issuedAt: 1000,
            apiProducts: [{ apiproduct: 'Product_Manual', status: 'pending' }]
          }
        ]
      }
    ]
  })
}

export const NOW = 1_700_000_000_000
