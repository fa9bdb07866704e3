import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiProduct } from '../../src/shared/model'
import { addTag, callConsole, choose, confirmDialog, feedback, fill, launchBrowser, listItem, openConsole, screenshot, startConsole, type BrowserSession, type RunningConsole } from './harness'

describe('API Products view', () => {
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

  it('shows Product_One with the credentials that hold it, and adds a scope to it', async () => {
    const { page } = browser
    await openConsole(page, running, '/products')
    for (const name of ['Product_One', 'Product_Two', 'Product_Manual']) await listItem(page, name).waitFor()
    await listItem(page, 'Product_One').click()
    await page.getByTestId('detail-title').getByText('Product_One').waitFor()
    await page.getByTestId('grants').getByRole('link', { name: 'App_One' }).waitFor()

    const before = await callConsole<ApiProduct>(running, 'products.get', { name: 'Product_One' })
    await page.getByTestId('edit').click()
    await addTag(page, 'scopes', 'orders.read')
    await page.getByTestId('submit').click()
    await page.locator('.n-modal').waitFor({ state: 'detached' })
    const after = await callConsole<ApiProduct>(running, 'products.get', { name: 'Product_One' })
    expect(after.scopes).toEqual([...before.scopes, 'orders.read'])
    expect(after.proxies).toEqual(before.proxies)
    await screenshot(page, 'products')
  })

  it('grants Product_Two by operations (GET on /items/** of API_Two), then switches operations off again', async () => {
    const { page } = browser
    await listItem(page, 'Product_Two').click()
    await page.getByTestId('detail-title').getByText('Product_Two').waitFor()
    await page.getByTestId('edit').click()
    const ops = page.getByTestId('operation-group')
    await ops.getByTestId('operations-toggle').click()
    const set = ops.locator('[data-config="0"]')
    await set.locator('.n-base-selection').first().click()
    await page.locator('.n-base-select-option', { hasText: 'API_Two' }).click()
    await set.getByRole('textbox', { name: 'Resource path 1' }).fill('/items/**')
    await set.locator('.methods .n-base-selection').click()
    await page.locator('.n-base-select-option', { hasText: 'GET' }).click()
    await page.locator('.n-modal .n-card-header__main').click()
    await screenshot(page, 'products-operations-form')
    await page.getByTestId('submit').click()
    await page.locator('.n-modal').waitFor({ state: 'detached' })

    const saved = await callConsole<ApiProduct>(running, 'products.get', { name: 'Product_Two' })
    expect(saved.operationGroup).toEqual({
      operationConfigType: 'proxy',
      operationConfigs: [{ apiSource: 'API_Two', operations: [{ resource: '/items/**', methods: ['GET'] }], attributes: [] }]
    })
    await page.getByTestId('operations').getByText('/items/**').waitFor()
    await screenshot(page, 'products-operations')

    await page.getByTestId('edit').click()
    await page.getByTestId('operations-toggle').click()
    await page.getByTestId('submit').click()
    await page.locator('.n-modal').waitFor({ state: 'detached' })
    await page.getByTestId('operations').waitFor({ state: 'detached' })
    expect((await callConsole<ApiProduct>(running, 'products.get', { name: 'Product_Two' })).operationGroup?.operationConfigs ?? []).toEqual([])
  })

  it('creates a product (bad name shown at the name field) and deletes it', async () => {
    const { page } = browser
    await page.getByTestId('create').click()
    await fill(page, 'name', 'Gold Product')
    await page.getByTestId('submit').click()
    await feedback(page, 'name').getByText('may contain only letters').waitFor()
    await screenshot(page, 'products-validation')

    await fill(page, 'name', 'Product_Gold')
    await fill(page, 'displayName', 'Gold')
    await page.locator('.n-modal [data-field="approvalType"]').getByText('Manual').click()
    await choose(page, 'environments', ['test'])
    await choose(page, 'proxies', ['API_One'])
    await addTag(page, 'apiResources', '/orders/**')
    await page.getByTestId('submit').click()
    await page.waitForURL(/#\/products\/Product_Gold$/)
    const created = await callConsole<ApiProduct>(running, 'products.get', { name: 'Product_Gold' })
    expect(created).toMatchObject({ displayName: 'Gold', approvalType: 'manual', environments: ['test'], proxies: ['API_One'], apiResources: ['/orders/**'] })

    await page.getByTestId('delete').click()
    await confirmDialog(page, 'Delete')
    await listItem(page, 'Product_Gold').waitFor({ state: 'detached' })
    expect(browser.problems).toEqual([])
  })
})
