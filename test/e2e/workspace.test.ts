import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import type { ApiProduct, DeveloperApp, Workspace } from '../../src/shared/model'
import { callConsole, confirmDialog, launchBrowser, listItem, openConsole, screenshot, startConsole, type BrowserSession, type RunningConsole } from './harness'

/** Runs `trigger` and returns the text of the file the page downloads. */
async function download(page: Page, trigger: () => Promise<void>): Promise<{ name: string; text: string }> {
  const [file] = await Promise.all([page.waitForEvent('download'), trigger()])
  const path = await file.path()
  return { name: file.suggestedFilename(), text: readFileSync(path, 'utf8') }
}

/** Runs `trigger` (which opens a file picker) and answers it with `path`. */
async function upload(page: Page, path: string, trigger: () => Promise<void>): Promise<void> {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), trigger()])
  await chooser.setFiles(path)
}

describe('Workspace menu: export, import, emulator bundle, reset', () => {
  let running: RunningConsole
  let browser: BrowserSession
  const dir = mkdtempSync(join(tmpdir(), 'gatelab-e2e-files-'))

  beforeAll(async () => {
    running = await startConsole()
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await running?.stop()
  })

  const menu = async (page: Page, item: string) => {
    await page.getByTestId('workspace-menu').click()
    await page.getByTestId(item).click()
  }

  it('exports the workspace and imports it back over a changed one', async () => {
    const { page } = browser
    await openConsole(page, running, '/apps')
    await listItem(page, 'App_Three').waitFor()

    // The export dialog leaves secrets out unless asked.
    await menu(page, 'workspace-export')
    expect(await page.getByTestId('export-include-secrets').locator('.n-checkbox--checked').count()).toBe(0)
    await screenshot(page, 'workspace-export')
    const exported = await download(page, () => page.getByTestId('export-confirm').click())
    expect(exported.name).toMatch(/^sample-workspace-.*\.json$/)
    const workspace = JSON.parse(exported.text) as Workspace
    expect(workspace.schemaVersion).toBe(2)
    expect(exported.text).not.toContain('app-one-secret')
    expect(workspace.apps[0]!.credentials[0]!.consumerSecret).toBe('********')
    expect(workspace.apps.map((a) => a.name).sort()).toEqual(['App_One', 'App_Three', 'App_Two'])
    const file = join(dir, 'workspace.json')
    writeFileSync(file, exported.text)

    await callConsole(running, 'apps.update', { app: 'App_Three', patch: { callbackUrl: 'https://changed.example/cb' } })

    await upload(page, file, () => menu(page, 'workspace-import'))
    await confirmDialog(page, 'Replace')
    await page.locator('.n-message', { hasText: 'Imported workspace.json' }).waitFor()
    const three = await callConsole<DeveloperApp>(running, 'apps.get', { app: 'App_Three' })
    expect(three.callbackUrl).toBe('https://app_three.sample.example/callback')
    // The masked file kept the secrets stored here.
    expect(await callConsole(running, 'apps.revealSecret', { app: 'App_Three', consumerKey: 'app-three-key' })).toEqual({ consumerSecret: 'app-three-secret' })
  })

  it('exports with secrets only when "Include secrets" is ticked; a masked file cannot bring back a deleted app\'s secret', async () => {
    const { page } = browser
    await menu(page, 'workspace-export')
    await page.getByTestId('export-include-secrets').click()
    const exported = await download(page, () => page.getByTestId('export-confirm').click())
    const workspace = JSON.parse(exported.text) as Workspace
    expect(workspace.apps.find((a) => a.name === 'App_One')!.credentials[0]!.consumerSecret).toBe('app-one-secret')
    const withSecrets = join(dir, 'with-secrets.json')
    writeFileSync(withSecrets, exported.text)

    await callConsole(running, 'apps.delete', { app: 'App_Three' })
    await listItem(page, 'App_Three').waitFor({ state: 'detached' })
    // The masked file has only a placeholder for App_Three's secret, and nothing here holds it any more.
    await upload(page, join(dir, 'workspace.json'), () => menu(page, 'workspace-import'))
    await confirmDialog(page, 'Replace')
    const issues = page.getByTestId('import-issues')
    await issues.waitFor()
    expect(await issues.innerText()).toContain('consumerSecret')
    await page.locator('.n-dialog').getByRole('button', { name: 'Close', exact: true }).click()
    await page.locator('.n-dialog').waitFor({ state: 'detached' })

    await upload(page, withSecrets, () => menu(page, 'workspace-import'))
    await confirmDialog(page, 'Replace')
    await listItem(page, 'App_Three').waitFor()
    expect(await callConsole(running, 'apps.revealSecret', { app: 'App_Three', consumerKey: 'app-three-key' })).toEqual({ consumerSecret: 'app-three-secret' })

    // The next export starts unticked again.
    await menu(page, 'workspace-export')
    expect(await page.getByTestId('export-include-secrets').locator('.n-checkbox--checked').count()).toBe(0)
    await page.getByTestId('export-modal').getByRole('button', { name: 'Cancel' }).click()
  })

  it('refuses an invalid workspace file and lists the fields at fault; nothing changes', async () => {
    const { page } = browser
    const bad = structuredClone(JSON.parse(readFileSync(join(dir, 'workspace.json'), 'utf8'))) as Workspace
    bad.environments[0]!.port = 70000
    bad.apiProducts[1]!.name = 'Bad Name'
    const file = join(dir, 'bad.json')
    writeFileSync(file, JSON.stringify(bad))

    await upload(page, file, () => menu(page, 'workspace-import'))
    await confirmDialog(page, 'Replace')
    const issues = page.getByTestId('import-issues')
    await issues.waitFor()
    const text = await issues.innerText()
    expect(text).toContain('environments.0.port')
    expect(text).toContain('apiProducts.1.name')
    await screenshot(page, 'workspace-import-errors')
    await page.locator('.n-dialog').getByRole('button', { name: 'Close', exact: true }).click()
    await page.locator('.n-dialog').waitFor({ state: 'detached' })
    expect((await callConsole<{ port: number }[]>(running, 'environments.list'))[0]!.port).toBe(9001)
  })

  it('downloads the Apigee Emulator files and merges a products.json into the workspace', async () => {
    const { page } = browser
    await menu(page, 'workspace-emulator')
    await page.getByTestId('emulator-modal').waitFor()
    const apps = await download(page, () => page.getByTestId('emulator-download-developerapps').click())
    expect(apps.name).toBe('developerapps.json')
    const entries = JSON.parse(apps.text) as Array<{ name: string; developerEmail: string; credentials: Array<{ consumerKey: string }> }>
    expect(entries.find((a) => a.name === 'App_One')).toMatchObject({ developerEmail: 'dev.one@sample.example', credentials: [{ consumerKey: 'app-one-key' }] })
    await screenshot(page, 'workspace-emulator')

    const products = join(dir, 'products.json')
    writeFileSync(products, JSON.stringify([{ name: 'Product_Emulated', displayName: 'From the emulator', approvalType: 'auto', proxies: ['API_One'], environments: ['test'], apiResources: ['/'] }]))
    await upload(page, products, () => page.getByTestId('emulator-pick-products').click())
    await page.getByTestId('emulator-modal').getByText('picked: products.json').waitFor()
    await page.getByTestId('emulator-import').click()
    await page.getByTestId('emulator-modal').waitFor({ state: 'detached' })
    const merged = await callConsole<ApiProduct>(running, 'products.get', { name: 'Product_Emulated' })
    expect(merged).toMatchObject({ displayName: 'From the emulator', proxies: ['API_One'], environments: ['test'] })
    expect((await callConsole<ApiProduct[]>(running, 'products.list')).length).toBe(4)
  })

  it('resets to the sample organization after confirmation', async () => {
    const { page } = browser
    await page.goto(`${running.origin}/#/products`)
    await listItem(page, 'Product_Emulated').waitFor()
    await menu(page, 'workspace-reset')
    await confirmDialog(page, 'Reset')
    await listItem(page, 'Product_Emulated').waitFor({ state: 'detached' })
    expect((await callConsole<ApiProduct[]>(running, 'products.list')).map((p) => p.name)).toEqual(['Product_One', 'Product_Two', 'Product_Manual'])
    expect(browser.problems).toEqual([])
  })
})
