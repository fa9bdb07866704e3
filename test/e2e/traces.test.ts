import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TraceRecord } from '../../src/shared/trace'
import { launchBrowser, openConsole, screenshot, startConsole, toast, type BrowserSession, type RunningConsole } from './harness'

/** A client of the gateway (not of the console): gets a token, calls an API with it. */
async function tokenFor(running: RunningConsole, env: string, key: string, secret: string): Promise<string> {
  const response = await fetch(`${running.gateways[env]}/oauth/token`, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials'
  })
  expect(response.status).toBe(200)
  return ((await response.json()) as { access_token: string }).access_token
}
async function call(running: RunningConsole, env: string, path: string, token?: string): Promise<number> {
  const response = await fetch(`${running.gateways[env]}${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} })
  await response.arrayBuffer()
  return response.status
}

describe('Trace viewer', () => {
  let running: RunningConsole
  let browser: BrowserSession
  const scratch = mkdtempSync(join(tmpdir(), 'gatelab-e2e-traces-'))

  beforeAll(async () => {
    running = await startConsole()
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await running?.stop()
    rmSync(scratch, { recursive: true, force: true })
  })

  const rows = () => browser.page.getByTestId('trace-row')
  const row = (status: number) => browser.page.locator(`[data-testid="trace-row"][data-status="${status}"]`)

  it('lists requests live as the gateway answers them, and filters them', async () => {
    const { page } = browser
    await openConsole(page, running, '/traces')
    await page.getByTestId('traces-empty').waitFor()

    const two = await tokenFor(running, 'test', 'app-two-key', 'app-two-secret')
    expect(await call(running, 'test', '/api-one/items', two)).toBe(401)
    const one = await tokenFor(running, 'test', 'app-one-key', 'app-one-secret')
    expect(await call(running, 'test', '/api-one/items?page=2', one)).toBe(200)
    expect(await call(running, 'prod', '/api-one/items', one)).toBe(401)
    expect(await call(running, 'test', '/nowhere')).toBe(404)

    // Pushed by trace.added: no reload.
    await page.getByTestId('trace-count').getByText('6', { exact: true }).waitFor()
    expect(await rows().count()).toBe(6)
    await expect.poll(() => rows().first().getAttribute('data-status')).toBe('404')
    await screenshot(page, 'traces-list')

    // Status class 4xx
    await page.getByTestId('filter-status').click()
    await page.locator('.n-base-select-option', { hasText: '4xx' }).click()
    await page.keyboard.press('Escape')
    await expect.poll(() => rows().count()).toBe(3)
    // Environment prod narrows further
    await page.getByTestId('filter-environment').click()
    await page.locator('.n-base-select-option', { hasText: 'prod' }).click()
    await page.keyboard.press('Escape')
    await expect.poll(() => rows().count()).toBe(1)
    await page.getByTestId('filters-reset').click()
    await expect.poll(() => rows().count()).toBe(6)

    // Fault name filter and text search
    await page.getByTestId('filter-fault').click()
    await page.locator('.n-base-select-option', { hasText: 'InvalidAPICallAsNoApiProductMatchFound' }).click()
    await page.keyboard.press('Escape')
    await expect.poll(() => rows().count()).toBe(2)
    await page.getByTestId('filters-reset').click()
    // Token requests are listed under the app that asked, like the calls made with its tokens.
    await page.getByTestId('trace-search').locator('input').fill('app_two')
    await expect.poll(() => rows().count()).toBe(2)
    await page.getByTestId('trace-search').locator('input').fill('')
    await page.getByTestId('filter-app').click()
    await page.locator('.n-base-select-option', { hasText: 'App_One' }).click()
    await page.keyboard.press('Escape')
    await expect.poll(() => rows().count()).toBe(3)
    await page.getByTestId('filters-reset').click()

    // Keyboard: a click selects, the arrow keys move through the list.
    const ids = await rows().evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id')))
    await rows().first().click()
    await page.waitForURL(new RegExp(`#/traces/${ids[0]}$`))
    await page.keyboard.press('ArrowDown')
    await page.waitForURL(new RegExp(`#/traces/${ids[1]}$`))
    await page.keyboard.press('Escape')
    await page.waitForURL(/#\/traces$/)
  })

  it('explains the 401 of App_Two on API_One: cause, both views, evidence, fixes, fault', async () => {
    const { page } = browser
    await page.locator('[data-testid="trace-row"][data-status="401"]').last().click()
    await page.waitForURL(/#\/traces\/[0-9a-f]+$/)
    await page.getByTestId('detail-status').getByText('401').waitFor()
    await page.getByTestId('detail-fault').getByText('InvalidAPICallAsNoApiProductMatchFound').waitFor()
    // A failed request opens on its diagnosis.
    await page.getByTestId('diagnosis-cause').getByText("App_Two's key has only Product_Two, which does not include API_One").waitFor()
    await page.getByTestId('client-view').getByText('401', { exact: true }).waitFor()
    await page.getByTestId('gateway-view').getByText('App_Two (approved), key app-two-key (approved)').waitFor()
    const evidence = page.getByTestId('evidence').locator('tbody tr')
    await expect.poll(() => evidence.count()).toBeGreaterThan(1)
    const failed = page.getByTestId('evidence').locator('tr[data-ok="false"]')
    expect(await failed.count()).toBe(1)
    expect(await failed.first().innerText()).toContain('Product_Two does not include API_One')
    const fixes = page.getByTestId('fix')
    expect(await fixes.allInnerTexts()).toEqual(
      expect.arrayContaining([expect.stringContaining("Add Product_One to App_Two's key"), expect.stringContaining("Use App_One's credentials")])
    )
    await page.getByTestId('fault-name').getByText('InvalidAPICallAsNoApiProductMatchFound').waitFor()
    await screenshot(page, 'traces-explanation')

    // A console fix on a request that did not come from the workbench: applied, then how to repeat it.
    await page.locator('[data-fix="add-product:Product_One"] [data-testid="apply-fix"]').click()
    const after = page.getByTestId('after-fix')
    await after.getByText('curl', { exact: false }).first().waitFor()
    expect(await after.innerText()).toContain("-H 'Authorization: Bearer <token>'")
    await toast(page, "Applied: Add Product_One to App_Two's key")
  })

  it('shows the timeline with lanes, conditions and the variables at each step', async () => {
    const { page } = browser
    // The token request: a skipped conditional flow, a matched one, the policy and the null route.
    await page.locator('[data-testid="trace-row"]').filter({ hasText: '/oauth/token' }).last().click()
    await page.getByTestId('detail-status').getByText('200').waitFor()
    await page.getByTestId('timeline').waitFor()
    const steps = page.getByTestId('step-table').locator('tbody tr')
    expect(await steps.count()).toBe(4)
    expect(await steps.nth(0).innerText()).toContain('RefreshToken')
    expect(await steps.nth(0).innerText()).toContain('skipped')
    expect(await steps.nth(0).innerText()).toContain('request.formparam.grant_type = "refresh_token"')
    expect(await steps.nth(0).innerText()).toContain('false')
    await page.getByTestId('transaction-map').locator('[data-lane="proxy-request"] [data-step]').first().waitFor()
    expect(await page.getByTestId('transaction-map').locator('[data-lane="proxy-request"] [data-step]').count()).toBe(4)

    // Step 3 issues the token: what it wrote is highlighted in "variables at this point", masked.
    await steps.nth(2).click()
    const changed = page.getByTestId('variables-at-step').locator('tr.changed')
    await expect.poll(() => changed.count()).toBeGreaterThan(5)
    const accessToken = page.getByTestId('variables-at-step').locator('tr[data-variable="oauthv2accesstoken.OAuthV2-Generate-Access-Token.access_token"]')
    expect(await accessToken.getAttribute('class')).toContain('changed')
    expect(await accessToken.innerText()).toMatch(/\*{8}/)
    // Step 1 only read: nothing changed there, and the read variables are known.
    await steps.nth(0).click()
    await expect.poll(() => changed.count()).toBe(0)
    await page.getByTestId('variables-at-step').locator('tr[data-variable="request.formparam.grant_type"]').getByText('client_credentials').waitFor()
    await steps.nth(2).click()
    await page.getByTestId('trace-detail').evaluate((el) => el.parentElement?.scrollTo(0, 0))
    await screenshot(page, 'traces-detail')
    await page.getByTestId('theme-toggle').click()
    await screenshot(page, 'traces-detail-dark')
    await page.getByTestId('theme-toggle').click()

    // Hiding the list gives the timeline room: the step inspector moves beside the steps.
    await page.getByTestId('detail-expand').click()
    await page.getByTestId('trace-list').waitFor({ state: 'hidden' })
    const table = (await page.getByTestId('step-table').boundingBox())!
    const inspector = (await page.getByTestId('step-inspector').boundingBox())!
    expect(inspector.x).toBeGreaterThan(table.x + table.width - 1)
    await screenshot(page, 'traces-detail-expanded')
    await page.getByTestId('detail-expand').click()
    await page.getByTestId('trace-list').waitFor()

    await page.locator('.n-tabs-tab', { hasText: 'Request & response' }).click()
    const received = page.getByTestId('request-received')
    await received.getByText('POST /oauth/token').waitFor()
    expect(await received.innerText()).toMatch(/Authorization\s+Basic \S*\*{8}/)
    const sent = page.getByTestId('response-sent')
    expect(await sent.getByTestId('message-body').innerText()).toContain('"token_type": "BearerToken"')
    await screenshot(page, 'traces-messages')

    // Esc closes the detail.
    await page.getByTestId('trace-list').focus()
    await page.keyboard.press('Escape')
    await page.waitForURL(/#\/traces$/)
  })

  it('exports the traces as a JSON file and imports 5,000 traces, staying responsive', async () => {
    const { page } = browser
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export').click()])
    expect(download.suggestedFilename()).toMatch(/^traces-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z\.json$/)
    const exportedPath = join(scratch, 'exported.json')
    await download.saveAs(exportedPath)
    const exported = JSON.parse(readFileSync(exportedPath, 'utf8')) as TraceRecord[]
    expect(exported).toHaveLength(6)
    const template = exported.find((t) => t.status === 401 && t.environment === 'test')!
    expect(template.fault?.name).toBe('InvalidAPICallAsNoApiProductMatchFound')

    // 5,000 traces: every 10th a 5xx, every 5th in prod, all newer than what the list holds.
    const base = Math.max(...exported.map((t) => t.startedAt)) + 1000
    const many: TraceRecord[] = Array.from({ length: 5000 }, (_, i) => {
      const id = `imported${String(i).padStart(24, '0')}`
      const status = i % 10 === 0 ? 503 : i % 2 === 0 ? 200 : 401
      return { ...template, id, messageId: id, startedAt: base + i, status, environment: i % 5 === 0 ? 'prod' : 'test', path: `/api-one/items/${i}`, faultName: status === 200 ? null : template.faultName }
    })
    const file = join(scratch, 'many.json')
    writeFileSync(file, JSON.stringify(many))
    await page.getByTestId('import-file').setInputFiles(file)
    await toast(page, 'Imported 5000 traces')
    // The gateway keeps 5,000: the imported ones are the newest, so they are all there.
    await page.getByTestId('trace-count').getByText('5000', { exact: true }).waitFor()
    const visible = await rows().count()
    console.log(`5,000 traces: ${visible} rows in the DOM (virtualized list)`)
    expect(visible).toBeGreaterThan(10)
    expect(visible).toBeLessThan(200)
    expect(await rows().first().innerText()).toContain('/api-one/items/4999')

    const started = Date.now()
    await page.getByTestId('filter-status').click()
    await page.locator('.n-base-select-option', { hasText: '5xx' }).click()
    await page.keyboard.press('Escape')
    await page.getByTestId('trace-count').getByText('500', { exact: true }).waitFor()
    const clickToRows = Date.now() - started
    console.log(`filter 5xx over 5,000 traces: ${await page.getByTestId('filter-time').innerText()}; click to updated list ${clickToRows} ms`)
    await expect.poll(() => row(503).count()).toBe(await rows().count())
    await page.getByTestId('trace-search').locator('input').fill('items/4990')
    await page.getByTestId('trace-count').getByText('1', { exact: true }).waitFor()
    expect(await rows().first().innerText()).toContain('/api-one/items/4990')
    console.log(`search over 5,000 traces: ${await page.getByTestId('filter-time').innerText()}`)
    await page.getByTestId('filters-reset').click()
    await screenshot(page, 'traces-5000')
    expect(browser.problems).toEqual([])
  })

  it('shows a big body cut to what the trace keeps, with the whole size', async () => {
    const { page } = browser
    const response = await fetch(`${running.gateways['test']}/api-one/big-upload`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'big body line\n'.repeat(20_000) })
    await response.arrayBuffer()
    expect(response.status).toBe(401)
    await page.getByTestId('trace-search').locator('input').fill('big-upload')
    await page.getByTestId('trace-count').getByText('1', { exact: true }).waitFor()
    await rows().first().click()
    await page.getByTestId('detail-status').getByText('401').waitFor()
    await page.locator('.n-tabs-tab', { hasText: 'Request & response' }).click()
    const received = page.getByTestId('request-received')
    await received.getByText('POST /api-one/big-upload').waitFor()
    expect(await received.getByTestId('body-truncated').innerText()).toBe('truncated, 280,000 bytes in all')
    expect(browser.problems).toEqual([])
    expect(await received.innerText()).toContain(`${64 * 1024} chars`)
    await screenshot(page, 'traces-body-truncated')
    await page.getByTestId('trace-list').focus()
    await page.keyboard.press('Escape')
    await page.waitForURL(/#\/traces$/)
  })
})
