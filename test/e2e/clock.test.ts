import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callConsole, launchBrowser, openConsole, screenshot, startConsole, type BrowserSession, type RunningConsole } from './harness'

/** `HH:MM:SS` as seconds of the day. */
function secondsOf(time: string): number {
  const [h, m, s] = time.split(':').map(Number) as [number, number, number]
  return h * 3600 + m * 60 + s
}

describe('Engine clock in the shell', () => {
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

  const time = () => browser.page.getByTestId('clock-time').innerText()
  const mode = () => browser.page.getByTestId('clock-mode').getAttribute('data-mode')

  it('moves one hour forward: the time jumps and the badge shows the offset', async () => {
    const { page } = browser
    await openConsole(page, running, '/traces')
    await expect.poll(mode).toBe('real')
    expect(await page.getByTestId('clock-mode').innerText()).toMatch(/real/i)
    // The real clock ticks by itself.
    const first = await time()
    await expect.poll(time, { timeout: 5000 }).not.toBe(first)

    await page.getByTestId('clock').click()
    await page.getByTestId('clock-panel').waitFor()
    const before = secondsOf(await time())
    await page.getByTestId('clock-advance-1h').click()
    await expect.poll(mode).toBe('offset')
    expect(await page.getByTestId('clock-mode').innerText()).toMatch(/\+1h/i)
    const jumped = (secondsOf(await time()) - before + 86400) % 86400
    // One hour, plus the few seconds the clicks took.
    expect(jumped).toBeGreaterThanOrEqual(3600)
    expect(jumped).toBeLessThan(3600 + 30)
    await screenshot(page, 'clock')
  })

  it('freezes: the time stands still until unfrozen', async () => {
    const { page } = browser
    await page.getByTestId('clock-freeze').click()
    await expect.poll(mode).toBe('frozen')
    expect(await page.getByTestId('clock-freeze').innerText()).toContain('Unfreeze')
    const frozen = await time()
    // Longer than the one-second tick: a running clock would have moved.
    await page.waitForTimeout(2200)
    expect(await time()).toBe(frozen)
    await screenshot(page, 'clock-frozen')

    await page.getByTestId('clock-freeze').click()
    await expect.poll(mode).toBe('offset')
    await expect.poll(time, { timeout: 5000 }).not.toBe(frozen)
  })

  it('sets a date-time (UTC), refuses a malformed one, and goes back to real time', async () => {
    const { page } = browser
    await page.getByTestId('clock-freeze').click()
    await expect.poll(mode).toBe('frozen')
    await page.getByTestId('clock-set-input').locator('input').fill('2030-02-30 12:00')
    await page.getByTestId('clock-set').click()
    await page.getByTestId('clock-panel').getByText('Use YYYY-MM-DD HH:MM').waitFor()

    await page.getByTestId('clock-set-input').locator('input').fill('2030-01-15 12:00:00')
    await page.getByTestId('clock-set').click()
    await expect.poll(time).toBe('12:00:00')
    expect(await page.getByTestId('clock').innerText()).toContain('2030-01-15')

    // A change made elsewhere (another window, the API) arrives by the clock.changed push.
    await callConsole(running, 'clock.advance', { ms: 86_400_000 })
    await expect.poll(() => page.getByTestId('clock').innerText()).toContain('2030-01-16')
    expect(await time()).toBe('12:00:00')

    await page.getByTestId('clock-reset').click()
    await expect.poll(mode).toBe('real')
    expect(await page.getByTestId('clock').innerText()).not.toContain('2030-01-1')
    expect(browser.problems).toEqual([])
  })
})
