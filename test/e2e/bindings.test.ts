import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import type { DeveloperApp, Workspace } from '../../src/shared/model'
import { callConsole, launchBrowser, openConsole, screenshot, startConsole, toast, type BrowserSession, type RunningConsole } from './harness'

const node = (page: Page, id: string) => page.locator(`.vue-flow__node[data-id="${id}"]`)
const edge = (page: Page, id: string) => page.locator(`.vue-flow__edge[data-id="${id}"]`)

/** The grant edges drawn, as `app->product status`. */
async function grants(page: Page): Promise<string[]> {
  const ids = await page.locator('.vue-flow__edge.edge-grant').evaluateAll((edges) =>
    edges.map((e) => `${e.getAttribute('data-id')} ${['approved', 'pending', 'revoked'].find((s) => e.classList.contains(`edge-${s}`))}`)
  )
  return ids.map((s) => s.replace(/^grant:([^:]+):/, '$1->')).sort()
}

/** Clicks the middle of an edge's curve (its bounding box centre may lie off the curve). */
async function clickEdge(page: Page, id: string): Promise<void> {
  const point = await edge(page, id)
    .locator('path.vue-flow__edge-path')
    .evaluate((path: SVGPathElement) => {
      const p = path.getPointAtLength(path.getTotalLength() * 0.45)
      const m = path.getScreenCTM()!
      return { x: p.x * m.a + p.y * m.c + m.e, y: p.x * m.b + p.y * m.d + m.f }
    })
  await page.mouse.click(point.x, point.y)
}

/** Drags one node onto another with the mouse, as a user would. */
async function dragNode(page: Page, fromId: string, toId: string): Promise<void> {
  const from = (await node(page, fromId).boundingBox())!
  const to = (await node(page, toId).boundingBox())!
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2)
  await page.mouse.down()
  const steps = 12
  for (let i = 1; i <= steps; i++)
    await page.mouse.move(from.x + from.width / 2 + ((to.x - from.x) * i) / steps, from.y + from.height / 2 + ((to.y - from.y) * i) / steps)
  await page.mouse.up()
}

describe('Bindings designer', () => {
  let running: RunningConsole
  let browser: BrowserSession

  beforeAll(async () => {
    running = await startConsole()
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await running?.stop()
  })

  it('draws the sample: developers -> apps -> products -> proxies and environments, grants styled by status', async () => {
    const { page } = browser
    await openConsole(page, running, '/bindings')
    await node(page, 'app:App_Three').waitFor()
    expect(await page.title()).toBe('Bindings · Gatelab')
    const kinds = await page.locator('[data-testid="binding-node"]').evaluateAll((nodes) => nodes.map((n) => `${n.getAttribute('data-kind')}:${n.getAttribute('data-name')}`).sort())
    expect(kinds.filter((k) => k.startsWith('app:'))).toEqual(['app:App_One', 'app:App_Three', 'app:App_Two'])
    expect(kinds.filter((k) => k.startsWith('product:'))).toEqual(['product:Product_Manual', 'product:Product_One', 'product:Product_Two'])
    expect(kinds.filter((k) => k.startsWith('proxy:'))).toEqual(['proxy:API_One', 'proxy:API_Two', 'proxy:oauth'])
    expect(kinds.filter((k) => k.startsWith('environment:'))).toEqual(['environment:prod', 'environment:test'])
    expect(kinds.filter((k) => k.startsWith('developer:'))).toHaveLength(2)

    expect(await grants(page)).toEqual(['App_One->Product_One approved', 'App_Three->Product_Manual pending', 'App_Two->Product_Two approved'])
    await edge(page, 'proxy:Product_Manual:API_One').waitFor({ state: 'attached' })
    await edge(page, 'env:Product_One:test').waitFor({ state: 'attached' })
    expect(await edge(page, 'env:Product_One:prod').count()).toBe(0)
    // Style by status: approved solid, pending dashed.
    const dash = async (id: string) => edge(page, id).locator('path.vue-flow__edge-path').evaluate((p) => getComputedStyle(p).strokeDasharray)
    expect(await dash('grant:App_One:Product_One')).toBe('none')
    expect(await dash('grant:App_Three:Product_Manual')).not.toBe('none')
    await page.getByTestId('bindings-legend').getByText('pending').waitFor()
    // Columns are in the agreed order, left to right.
    const x = async (id: string) => (await node(page, id).boundingBox())!.x
    const xs = [await x('developer:dev-one'), await x('app:App_One'), await x('product:Product_One'), await x('proxy:API_One'), await x('environment:test')]
    expect([...xs].sort((a, b) => a - b)).toEqual(xs)
    await screenshot(page, 'bindings')
    await page.getByTestId('theme-toggle').click()
    await page.locator('.bindings-page.dark').waitFor()
    await screenshot(page, 'bindings-dark')
    await page.getByTestId('theme-toggle').click()
    await page.locator('.bindings-page.light').waitFor()
    expect(browser.problems).toEqual([])
  })

  it('adds a product by dragging an app onto it (manual product: pending), approves and removes grants from the edge menu', async () => {
    const { page } = browser
    await dragNode(page, 'app:App_One', 'product:Product_Manual')
    await toast(page, "Product_Manual added to App_One's key app-one-key: pending until approved (manual approval)")
    await edge(page, 'grant:App_One:Product_Manual').and(page.locator('.edge-pending')).waitFor({ state: 'attached' })
    let app = await callConsole<DeveloperApp>(running, 'apps.get', { app: 'App_One' })
    expect(app.credentials[0]!.apiProducts).toEqual([
      { apiproduct: 'Product_One', status: 'approved' },
      { apiproduct: 'Product_Manual', status: 'pending' }
    ])

    // An automatic-approval product is approved at once.
    await dragNode(page, 'app:App_Three', 'product:Product_Two')
    await toast(page, "Product_Two added to App_Three's key app-three-key: approved (automatic approval)")
    await edge(page, 'grant:App_Three:Product_Two').and(page.locator('.edge-approved')).waitFor({ state: 'attached' })

    await clickEdge(page, 'grant:App_Three:Product_Manual')
    const menu = page.getByTestId('grant-menu')
    await menu.getByText('App_Three → Product_Manual').waitFor()
    await menu.getByText('app-three-key').waitFor()
    await page.getByTestId('grant-approve').click()
    await toast(page, "Product_Manual approved on App_Three's key")
    await edge(page, 'grant:App_Three:Product_Manual').and(page.locator('.edge-approved')).waitFor({ state: 'attached' })
    app = await callConsole<DeveloperApp>(running, 'apps.get', { app: 'App_Three' })
    expect(app.credentials[0]!.apiProducts).toEqual([
      { apiproduct: 'Product_Manual', status: 'approved' },
      { apiproduct: 'Product_Two', status: 'approved' }
    ])

    await clickEdge(page, 'grant:App_One:Product_Manual')
    await page.getByTestId('grant-revoke').click()
    await edge(page, 'grant:App_One:Product_Manual').and(page.locator('.edge-revoked')).waitFor({ state: 'attached' })
    await clickEdge(page, 'grant:App_One:Product_Manual')
    await page.getByTestId('grant-remove').click()
    await toast(page, "Product_Manual removed from App_One's key")
    await edge(page, 'grant:App_One:Product_Manual').waitFor({ state: 'detached' })
    expect(await grants(page)).toEqual([
      'App_One->Product_One approved',
      'App_Three->Product_Manual approved',
      'App_Three->Product_Two approved',
      'App_Two->Product_Two approved'
    ])

    // Without dragging: click an app, pick a product; the keyboard opens the same menu.
    await node(page, 'app:App_Two').focus()
    await page.keyboard.press('Enter')
    await page.getByTestId('app-menu').getByText('Add an API product to App_Two').waitFor()
    await page.keyboard.press('Escape')
    await page.getByTestId('app-menu').waitFor({ state: 'detached' })
    await node(page, 'app:App_Two').click()
    await page.getByTestId('app-menu').getByText('app-two-key').waitFor()
    await page.getByTestId('app-menu-product').click()
    await page.locator('.n-base-select-option', { hasText: 'Product_One (auto)' }).click()
    await page.getByTestId('app-menu-add').click()
    await toast(page, "Product_One added to App_Two's key app-two-key: approved (automatic approval)")
    await edge(page, 'grant:App_Two:Product_One').and(page.locator('.edge-approved')).waitFor({ state: 'attached' })
    await page.getByTestId('app-menu').waitFor({ state: 'detached' })
    expect(browser.problems).toEqual([])
  })

  it('stays readable for 50 apps x 20 products (generated workspace): no overlapping nodes, every grant drawn', async () => {
    const { page } = browser
    const ws = await callConsole<Workspace>(running, 'workspace.export')
    const statuses = ['approved', 'approved', 'pending', 'approved', 'revoked'] as const
    const developers = Array.from({ length: 8 }, (_, i) => ({ developerId: `gen-dev-${i}`, email: `dev${i}@load.example`, firstName: `Dev`, lastName: `${i}`, userName: `dev${i}`, status: 'active' as const, attributes: [] }))
    const products = Array.from({ length: 20 }, (_, i) => ({
      name: `Product_${String(i).padStart(2, '0')}`,
      displayName: '',
      description: '',
      approvalType: i % 4 === 0 ? ('manual' as const) : ('auto' as const),
      environments: i % 3 === 0 ? ['test', 'prod'] : [i % 2 ? 'test' : 'prod'],
      proxies: [i % 2 ? 'API_One' : 'API_Two'],
      apiResources: [],
      scopes: [],
      attributes: [],
      quota: '',
      quotaInterval: '',
      quotaTimeUnit: ''
    }))
    const apps = Array.from({ length: 50 }, (_, i) => ({
      appId: `gen-app-${i}`,
      name: `App_${String(i).padStart(2, '0')}`,
      developerId: developers[(i * 3) % developers.length]!.developerId,
      callbackUrl: '',
      status: 'approved' as const,
      attributes: [],
      scopes: [],
      createdAt: 0,
      credentials: [
        {
          consumerKey: `gen-key-${i}`,
          consumerSecret: `gen-secret-${i}`,
          status: 'approved' as const,
          issuedAt: 0,
          expiresAt: -1,
          apiProducts: [0, 1, 2].slice(0, 1 + (i % 3)).map((k) => ({ apiproduct: products[(i * 7 + k * 5) % 20]!.name, status: statuses[(i + k) % statuses.length]! })),
          scopes: [],
          attributes: []
        }
      ]
    }))
    await callConsole(running, 'workspace.import', { workspace: { ...ws, developers: [...ws.developers, ...developers], apiProducts: [...ws.apiProducts, ...products], apps: [...ws.apps, ...apps] } })
    await node(page, 'app:App_49').waitFor({ state: 'attached' })
    await page.locator('.vue-flow__node[data-id^="product:Product_"]').nth(19).waitFor({ state: 'attached' })
    const expectedGrants = apps.reduce((n, a) => n + a.credentials[0]!.apiProducts.length, 0) + 5
    await page.waitForFunction((n) => document.querySelectorAll('.vue-flow__edge.edge-grant').length === n, expectedGrants)

    await page.locator('.n-message').first().waitFor({ state: 'detached', timeout: 15_000 })
    await page.getByTestId('fit').click()
    // Within each column, no two nodes overlap.
    const boxes = await page.locator('.vue-flow__node-binding').evaluateAll((nodes) =>
      nodes.map((n) => {
        const r = n.getBoundingClientRect()
        return { id: n.getAttribute('data-id')!, x: Math.round(r.x), y: r.y, bottom: r.bottom }
      })
    )
    const byColumn = new Map<number, typeof boxes>()
    for (const b of boxes) byColumn.set(b.x, [...(byColumn.get(b.x) ?? []), b])
    expect(byColumn.size).toBe(5)
    for (const column of byColumn.values()) {
      column.sort((a, b) => a.y - b.y)
      for (let i = 1; i < column.length; i++) expect(column[i]!.y).toBeGreaterThanOrEqual(column[i - 1]!.bottom)
    }
    // Readable: the initial zoom keeps node text at a legible size.
    const zoom = await page.locator('.vue-flow__transformationpane').evaluate((el) => new DOMMatrix(getComputedStyle(el).transform).a)
    expect(zoom).toBeGreaterThanOrEqual(0.7)
    // Hovering a node keeps its own links and neighbours in focus and dims the rest.
    await node(page, 'app:App_02').hover()
    await page.locator('[data-testid="binding-node"][data-name="App_02"].focused').waitFor()
    expect(await page.locator('[data-testid="binding-node"].dimmed').count()).toBeGreaterThan(50)
    await screenshot(page, 'bindings-large')
    expect(browser.problems).toEqual([])
  })
})
