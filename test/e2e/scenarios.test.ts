/**
 * The three scenarios of the "no apiproduct match" article (seeds/000) on the sample workspace,
 * replayed through the UI only: get a token in the workbench, call API_One with it, get the 401,
 * open its trace, read the explanation, apply the suggested fix, resend, see 200.
 * Each scenario runs on a fresh console (new data folder, so the untouched sample workspace).
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { launchBrowser, openConsole, screenshot, startConsole, type BrowserSession, type RunningConsole } from './harness'

const FAULT = 'InvalidAPICallAsNoApiProductMatchFound'

/** Opens a Naive select inside `scope` and picks the option whose label contains `label`. */
async function pick(page: Page, scope: string, label: string): Promise<void> {
  await page.locator(`${scope} .n-base-selection`).first().click()
  await page.locator('.n-base-select-option', { hasText: label }).first().click()
  await page.locator('.n-base-select-menu').first().waitFor({ state: 'hidden' })
}

interface Scenario {
  n: number
  environment: string
  app: string
  /** Words the explanation's cause must contain. */
  cause: RegExp
  /** The fix's label as the trace viewer shows it. */
  fix: string
  /** A console fix changes the workspace, then the user resends; a workbench fix resends by itself. */
  kind: 'console' | 'workbench'
}

const scenarios: Scenario[] = [
  { n: 1, environment: 'test', app: 'App_Two', cause: /App_Two's key has only Product_Two, which does not include API_One/, fix: "Use App_One's credentials", kind: 'workbench' },
  { n: 2, environment: 'prod', app: 'App_One', cause: /Product_One.*(not|only).*prod|prod.*Product_One/, fix: 'Add environment prod to Product_One', kind: 'console' },
  { n: 3, environment: 'test', app: 'App_Three', cause: /Product_Manual.*pending|pending.*Product_Manual/, fix: "Approve Product_Manual on App_Three's key", kind: 'console' }
]

describe('The "no apiproduct match" scenarios, through the UI', () => {
  let running: RunningConsole | undefined
  let browser: BrowserSession | undefined

  afterEach(async () => {
    await browser?.close()
    await running?.stop()
    browser = undefined
    running = undefined
  })

  for (const s of scenarios) {
    it(`scenario ${s.n}: ${s.app}'s token on API_One in ${s.environment} -> 401, explained; "${s.fix}" -> 200`, async () => {
      running = await startConsole()
      browser = await launchBrowser()
      const { page } = browser
      const shot = (step: string) => screenshot(page, `scenario${s.n}-${step}`)
      try {
        await replay(page, running, s, shot)
      } catch (error) {
        // The picture of where it stopped says more than a timeout.
        await page.screenshot({ path: `test-results/scenario${s.n}-failed.png` }).catch(() => undefined)
        throw error
      }
      expect(browser.problems).toEqual([])
    })
  }
})

async function replay(page: Page, running: RunningConsole, s: Scenario, shot: (step: string) => Promise<string>): Promise<void> {
  // 1. Get a token in the workbench. (Visiting Traces first loads both views' code up front, so a
  // rebuild of out/ by a parallel build mid-test cannot break the later navigation.)
  await openConsole(page, running, '/traces')
  await page.getByTestId('trace-list').waitFor()
  await page.locator('[data-nav="workbench"]').click()
  const form = '[data-testid="token-form"]'
  await page.locator(`${form} [data-field="app"]`).getByText(/\S/).first().waitFor()
  await pick(page, `${form} [data-field="environment"]`, s.environment)
  await pick(page, `${form} [data-field="app"]`, s.app)
  await page.locator(`${form} [data-grant="client_credentials"]`).click()
  await page.getByTestId('send-token').click()
  await page.getByTestId('response-status').getByText('200 OK').waitFor()
  await shot('1-token')
  await page.getByTestId('wallet-token').first().waitFor()

  // 2. Call GET /api-one/items with it.
  await page.locator('.n-tabs-tab', { hasText: 'Call an API' }).click()
  await page.getByTestId('call-form').waitFor()
  await pick(page, '[data-testid="call-environment"]', s.environment)
  await page.getByTestId('call-path').fill('/api-one/items')
  await page.getByTestId('insert-token').click()
  // The wallet holds only the token just obtained.
  await page.locator('.n-dropdown-option', { hasText: ` · ${s.environment} · client_credentials` }).first().click()
  // The composer names the token it will send (whose, which grant, where).
  await page.getByTestId('current-token').waitFor()
  const current = await page.getByTestId('current-token').innerText()
  expect(current).toContain('client_credentials')
  expect(current).toContain(s.environment)
  await page.getByTestId('send-call').click()
  await page.getByTestId('response-status').getByText('401 Unauthorized').waitFor()
  await shot('2-call-401')

  // 3. Open its trace: the fault and the explanation.
  const link = page.getByTestId('open-trace')
  await expect.poll(() => link.getAttribute('href')).toMatch(/#\/traces\/[^/]+$/)
  const href = (await link.getAttribute('href'))!
  await link.click()
  await page.waitForURL((url) => url.toString().endsWith(href))
  const failedUrl = page.url()
  await page.getByTestId('detail-fault').getByText(FAULT).waitFor()
  await page.getByTestId('detail-status').getByText('401').waitFor()
  const cause = page.getByTestId('diagnosis-cause')
  await cause.waitFor()
  expect(await cause.innerText()).toMatch(s.cause)
  expect(await page.getByTestId('gateway-view').innerText()).toContain(`${s.app} (approved)`)
  expect(await page.getByTestId('evidence').locator('tr[data-ok="false"]').count()).toBeGreaterThan(0)
  await page.getByTestId('fault-name').getByText(FAULT).waitFor()
  await shot('3-explanation')

  // 4. Apply the suggested fix, resend, and land on the new trace: 200.
  const fix = page.getByTestId('fix').filter({ hasText: s.fix })
  expect(await fix.count()).toBe(1)
  expect(await fix.innerText()).toContain('makes this request succeed')
  await fix.getByTestId('apply-fix').click()
  if (s.kind === 'console') {
    await page.getByTestId('after-fix').getByText(`Applied: ${s.fix}`).waitFor()
    // Applied once: the fix shows as applied instead of offering to apply it again.
    await fix.getByTestId('fix-applied').waitFor()
    expect(await fix.getByTestId('apply-fix').count()).toBe(0)
    await shot('4-fix-applied')
    await page.getByTestId('resend').click()
  }
  await page.waitForURL((url) => url.toString() !== failedUrl && /#\/traces\/[^/]+$/.test(url.hash))
  await page.getByTestId('detail-status').getByText('200').waitFor()
  expect((await page.getByTestId('detail-title').innerText()).replace(/\s+/g, ' ')).toBe('GET /api-one/items')
  expect(await page.getByTestId('detail-fault').count()).toBe(0)
  expect((await page.getByTestId('resent-from').innerText()).replace(/\s+/g, ' ')).toContain(`got 401 (${FAULT}): now 200`)
  await shot('5-resent-200')

  // What changed between the two requests.
  await page.getByTestId('compare').click()
  const diff = page.getByTestId('variable-diff')
  await diff.waitFor()
  expect(await diff.locator('tr[data-variable="fault.name"]').innerText()).toContain(FAULT)
  await shot('6-compare')
  await page.keyboard.press('Escape')
  await page.getByTestId('trace-compare').waitFor({ state: 'hidden' })

  // The list shows both requests of API_One: the 401 and the 200 after the fix.
  const rows = page.locator('[data-testid="trace-row"]').filter({ hasText: '/api-one/items' })
  await expect.poll(async () => (await rows.allInnerTexts()).map((t) => (/\b(200|401)\b/.exec(t) ?? [])[0]).join(',')).toBe('200,401')
}
