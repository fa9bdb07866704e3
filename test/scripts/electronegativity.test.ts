import { describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { scan, verdict } from '../../scripts/electronegativity.mjs'

const finding = (id: string, severity: string, file = 'src/main/index.ts') => ({
  id,
  severity: { name: severity },
  file,
  location: { line: 3, column: 2 },
  description: `${id} description`,
  manualReview: false
})

describe('npm run lint:electron', () => {
  it('fails on a HIGH finding and prints it', () => {
    const { failed, lines } = verdict({ issues: [finding('CONTEXT_ISOLATION_JS_CHECK', 'HIGH'), finding('SANDBOX_JS_CHECK', 'MEDIUM')], errors: [] })
    expect(failed).toBe(true)
    expect(lines[0]).toContain('CONTEXT_ISOLATION_JS_CHECK')
    expect(lines[0]).toContain('src/main/index.ts:3:2')
    expect(lines.at(-1)).toBe('Electronegativity: 2 finding(s), 1 HIGH: FAILED')
  })

  it('passes with MEDIUM, LOW and informational findings only, still printing them', () => {
    const { failed, lines } = verdict({ issues: [finding('PRELOAD_JS_CHECK', 'MEDIUM'), finding('ELECTRON_VERSION_JSON_CHECK', 'INFORMATIONAL', 'package.json')], errors: [] })
    expect(failed).toBe(false)
    expect(lines).toHaveLength(3)
    expect(lines.at(-1)).toBe('Electronegativity: 2 finding(s), 0 HIGH: passed (0 HIGH)')
  })

  it('fails when a source file could not be parsed, and only notes an unparsed bundle', () => {
    const source = verdict({ issues: [], errors: [{ file: 'src/main/x.ts', message: 'Unknown node type', tolerable: false }] })
    expect(source.failed).toBe(true)
    expect(source.lines.at(-1)).toBe('Electronegativity: 0 finding(s), 0 HIGH, 1 source file(s) not parsed: FAILED')
    expect(verdict({ issues: [], errors: [{ file: 'out/renderer/a.js', message: 'Unknown node type', tolerable: false }] }).failed).toBe(false)
  })

  it('reports HIGH CONTEXT_ISOLATION for a window whose options come from a helper', { timeout: 120_000 }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'gatelab-eng-fixture-'))
    mkdirSync(join(root, 'src'))
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'fixture', devDependencies: { electron: '45.4.1' } }))
    writeFileSync(
      join(root, 'src', 'main.ts'),
      [
        "import { BrowserWindow } from 'electron'",
        'const options = (preload: string) => ({ webPreferences: { preload, contextIsolation: true, sandbox: true } })',
        "export const window = new BrowserWindow(options('/p'))",
        ''
      ].join('\n')
    )
    const result = await scan(root, [
      { path: 'src', optional: false },
      { path: 'package.json', optional: false }
    ])
    expect(result.scanned).toEqual(['src', 'package.json'])
    const high = result.issues.filter((i: { severity: { name: string } }) => i.severity.name === 'HIGH')
    expect(high.map((i: { id: string; file: string; location: { line: number } }) => `${i.id} ${i.file}:${i.location.line}`)).toContain('CONTEXT_ISOLATION_JS_CHECK src/main.ts:3')
    expect(verdict(result).failed).toBe(true)
  })
})
