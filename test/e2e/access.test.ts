import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import type { DeveloperApp } from '../../src/shared/model'
import { callConsole, launchBrowser, openConsole, screenshot, startConsole, toast, type BrowserSession, type RunningConsole } from './harness'

/** Every cell of the matrix as `App proxy env -> allowed|fault`, read from the page. */
async function readMatrix(page: Page): Promise<Record<string, string>> {
  return page.locator('[data-testid="access-matrix"] tbody tr').evaluateAll((rows) => {
    const out: Record<string, string> = {}
    for (const row of rows) {
      const app = row.getAttribute('data-app')
      for (const cell of row.querySelectorAll('[data-testid="access-cell"]')) {
        const key = `${app} ${cell.getAttribute('data-proxy')} ${cell.getAttribute('data-env')}`
        out[key] = cell.getAttribute('data-allowed') === 'true' ? `allowed ${cell.querySelector('.cell-sub')?.textContent?.trim()}` : `denied ${cell.querySelector('.cell-sub')?.textContent?.trim()}`
      }
    }
    return out
  })
}

function cell(page: Page, app: string, proxy: string, env: string) {
  return page.locator(`[data-testid="access-matrix"] tr[data-app="${app}"] [data-testid="access-cell"][data-proxy="${proxy}"][data-env="${env}"]`)
}

const noMatch = 'denied InvalidAPICallAsNoApiProductMatchFound'

describe('Access matrix', () => {
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

  it('shows the sample decisions, explains App_Three, and follows an approval of Product_Manual', async () => {
    const { page } = browser
    await openConsole(page, running, '/access')
    await page.getByTestId('access-matrix').waitFor()
    expect(await page.title()).toBe('Access · Gatelab')

    expect(await readMatrix(page)).toEqual({
      'App_One API_One test': 'allowed Product_One',
      'App_One API_One prod': noMatch,
      'App_One API_Two test': noMatch,
      'App_One API_Two prod': noMatch,
      'App_Two API_One test': noMatch,
      'App_Two API_One prod': noMatch,
      'App_Two API_Two test': noMatch,
      'App_Two API_Two prod': 'allowed Product_Two',
      'App_Three API_One test': noMatch,
      'App_Three API_One prod': noMatch,
      'App_Three API_Two test': noMatch,
      'App_Three API_Two prod': noMatch
    })

    // Hovering a cell gives the reason and, per product, the check that failed.
    await cell(page, 'App_Two', 'API_Two', 'test').hover()
    const tip = page.locator('.n-tooltip', { hasText: 'Click for every check' })
    await tip.waitFor()
    expect(await tip.locator('.tip-products li').allTextContents()).toEqual([expect.stringMatching(/^Product_Two: .*prod/)])
    await page.mouse.move(5, 5)
    await tip.waitFor({ state: 'detached' })

    // The cell detail gives the reason per product: for App_Three only the approval check fails.
    await cell(page, 'App_Three', 'API_One', 'test').click()
    const detail = page.getByTestId('cell-detail')
    await detail.getByText('401 InvalidAPICallAsNoApiProductMatchFound').waitFor()
    const evaluation = detail.locator('[data-testid="evaluation"][data-product="Product_Manual"]')
    const checks = await evaluation.locator('li[data-check]').evaluateAll((items) => items.map((li) => `${li.getAttribute('data-check')} ${li.classList.contains('ok') ? 'ok' : 'fail'}`))
    expect(checks).toEqual(['approval fail', 'environment ok', 'proxy ok', 'resource ok', 'method ok'])
    await evaluation.getByText('Product_Manual is pending approval on this key').waitFor()
    // Park the pointer on the detail panel, so no cell tooltip is opening or closing in the picture.
    await detail.locator('.head').hover()
    await screenshot(page, 'access')
    await page.getByTestId('theme-toggle').click()
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark')
    await screenshot(page, 'access-dark')
    await page.getByTestId('theme-toggle').click()
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'light')

    // Approving from the cell detail changes the workspace; the matrix follows the push event.
    await evaluation.getByTestId('approve-product').click()
    await toast(page, "Product_Manual approved on App_Three's key")
    await cell(page, 'App_Three', 'API_One', 'prod').and(page.locator('[data-allowed="true"]')).waitFor()
    const app = await callConsole<DeveloperApp>(running, 'apps.get', { app: 'App_Three' })
    expect(app.credentials[0]!.apiProducts).toEqual([{ apiproduct: 'Product_Manual', status: 'approved' }])
    const after = await readMatrix(page)
    expect(after['App_Three API_One test']).toBe('allowed Product_Manual')
    expect(after['App_Three API_One prod']).toBe('allowed Product_Manual')
    expect(after['App_Three API_Two test']).toBe(noMatch)
    expect(after['App_Three API_Two prod']).toBe(noMatch)
    await detail.getByText('Allowed by Product_Manual').waitFor()

    // A change made elsewhere (another client) reaches the open matrix too.
    await callConsole(running, 'apps.setProductStatus', { app: 'App_One', consumerKey: 'app-one-key', product: 'Product_One', status: 'revoked' })
    await cell(page, 'App_One', 'API_One', 'test').and(page.locator('[data-allowed="false"]')).waitFor()
    expect(browser.problems).toEqual([])
  })
})
