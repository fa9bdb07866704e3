import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Developer } from '../../src/shared/model'
import { callConsole, confirmDialog, feedback, field, fill, launchBrowser, listItem, openConsole, screenshot, startConsole, toast, type BrowserSession, type RunningConsole } from './harness'

describe('Developers view', () => {
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

  it('deactivates and activates Dev_One', async () => {
    const { page } = browser
    await openConsole(page, running, '/developers')
    await listItem(page, 'dev.one@sample.example').click()
    await page.waitForURL(/#\/developers\/dev\.one@sample\.example$/)
    await expect(page.getByTestId('status').innerText()).resolves.toBe('active')
    // Its apps are listed with links.
    await page.getByRole('link', { name: 'App_One' }).waitFor()

    await page.getByTestId('deactivate').click()
    await page.getByTestId('activate').waitFor()
    await expect(page.getByTestId('status').innerText()).resolves.toBe('inactive')
    expect((await callConsole<Developer>(running, 'developers.get', { email: 'dev.one@sample.example' })).status).toBe('inactive')
    await expect(listItem(page, 'dev.one@sample.example').innerText()).resolves.toContain('inactive')
    await screenshot(page, 'developers')

    await page.getByTestId('activate').click()
    await page.getByTestId('deactivate').waitFor()
    expect((await callConsole<Developer>(running, 'developers.get', { email: 'dev.one@sample.example' })).status).toBe('active')
  })

  it('refuses to delete a developer who owns apps, and says why, without asking first', async () => {
    const { page } = browser
    await page.getByTestId('delete').click()
    await toast(page, /dev\.one@sample\.example still owns App_One, App_Three: delete those apps first/)
    expect(await page.locator('.n-dialog').count()).toBe(0)
    await listItem(page, 'dev.one@sample.example').waitFor()
  })

  it('asks before deleting when Delete is pressed in the list, and Escape cancels', async () => {
    const { page } = browser
    await callConsole(running, 'developers.create', { developer: { email: 'dev.four@sample.example', firstName: 'Dev', lastName: 'Four' } })
    await listItem(page, 'dev.four@sample.example').click()
    await page.waitForURL(/dev\.four@sample\.example$/)
    await page.keyboard.press('Delete')
    await page.locator('.n-dialog').getByText('Delete developer dev.four@sample.example?').waitFor()
    await page.keyboard.press('Escape')
    await page.locator('.n-dialog').waitFor({ state: 'detached' })
    expect((await callConsole<Developer[]>(running, 'developers.list')).map((d) => d.email)).toContain('dev.four@sample.example')
  })

  it('creates a developer from the keyboard only: Tab to New, type, Ctrl+Enter saves', async () => {
    const { page } = browser
    await page.getByTestId('list-search').locator('input').focus()
    await page.keyboard.press('Tab')
    await page.keyboard.press('Enter')
    // The first field has the focus as soon as the dialog is open.
    await page.waitForFunction(() => document.activeElement?.closest('[data-field="email"]') !== null)
    await page.keyboard.type('keys.only@sample.example')
    await page.keyboard.press('Tab')
    await page.keyboard.type('Keyboard')
    await page.keyboard.press('Control+Enter')
    await page.waitForURL(/#\/developers\/keys\.only@sample\.example$/)
    expect((await callConsole<Developer>(running, 'developers.get', { email: 'keys.only@sample.example' })).firstName).toBe('Keyboard')
  })

  it('creates a developer (bad e-mail shown at the e-mail field), edits and deletes it', async () => {
    const { page } = browser
    await page.getByTestId('create').click()
    await fill(page, 'email', 'not-an-email')
    await fill(page, 'firstName', 'Grace')
    await fill(page, 'lastName', 'Hopper')
    await page.getByTestId('submit').click()
    await feedback(page, 'email').getByText('must be an e-mail address').waitFor()
    await screenshot(page, 'developers-validation')

    await fill(page, 'email', 'grace@sample.example')
    await page.getByTestId('submit').click()
    await page.waitForURL(/#\/developers\/grace@sample\.example$/)
    await expect(page.getByTestId('detail-title').innerText()).resolves.toContain('Grace Hopper')
    const created = await callConsole<Developer>(running, 'developers.get', { email: 'grace@sample.example' })
    expect(created).toMatchObject({ firstName: 'Grace', lastName: 'Hopper', status: 'active' })
    expect(created.developerId).not.toBe('')

    // The create dialog has gone (on a loaded machine it may still be fading out) before the edit one opens.
    await page.locator('.n-modal').waitFor({ state: 'detached' })
    await page.getByTestId('edit').click()
    await field(page, 'userName').waitFor()
    await fill(page, 'userName', 'ghopper')
    await page.getByTestId('submit').click()
    await page.getByRole('cell', { name: 'ghopper', exact: true }).waitFor()

    await page.getByTestId('delete').click()
    await confirmDialog(page, 'Delete')
    await listItem(page, 'grace@sample.example').waitFor({ state: 'detached' })
    expect(browser.problems).toEqual([])
  })
})
