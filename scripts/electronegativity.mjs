#!/usr/bin/env node
/**
 * `npm run lint:electron`: Electronegativity over the app as it ships (main, preload and renderer
 * sources, package.json, and the built renderer when `out/renderer` exists, since the scanner cannot
 * read .vue files). Exits 1 on any HIGH finding, and on any file under src/ the scanner could not
 * parse (an unread file would pass unseen); prints every finding. Annotated lines (`eng-disable`) are
 * left out by the scanner itself; docs/security.md lists each annotation and its reason.
 *
 * The scanner is called through its documented programmatic API rather than by parsing its CSV file:
 * the CLI writes the CSV header and body with two unordered asynchronous writes, so the header's
 * truncation can land after the body and drop findings, which would pass silently.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)

/** Needs the network (it fetches Electron's release list): not run here, Electron upgrades are tracked by hand. */
export const EXCLUDED_CHECKS = ['AvailableSecurityFixesGlobalCheck']

/** What is scanned, relative to the project root; optional entries are scanned when present. */
export const INPUTS = [
  { path: 'src', optional: false },
  { path: 'package.json', optional: false },
  { path: 'out/renderer', optional: true }
]

/**
 * Copies the inputs into one folder and scans it in a single run, so the global checks (navigation
 * limits, permission handler, CSP) see the whole app at once; out/main is left out because the bundle
 * drops the annotations its sources carry.
 */
export async function scan(root, inputs = INPUTS) {
  const stage = mkdtempSync(join(tmpdir(), 'gatelab-eng-'))
  const scanned = []
  try {
    for (const input of inputs) {
      const from = join(root, input.path)
      if (!existsSync(from)) {
        if (input.optional) continue
        throw new Error(`Electronegativity input ${input.path} is missing in ${root}`)
      }
      cpSync(from, join(stage, input.path), { recursive: true })
      scanned.push(input.path)
    }
    const run = require('@doyensec/electronegativity')
    const result = await run({
      input: stage,
      isRelative: true,
      electronVersionOverride: electronVersion(root),
      excludeFromScan: EXCLUDED_CHECKS
    })
    return { scanned, issues: result.issues, errors: result.errors }
  } finally {
    rmSync(stage, { recursive: true, force: true })
  }
}

/** The Electron version the app is built with (the scanner's defaults depend on it). */
export function electronVersion(root) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  const range = pkg.devDependencies?.electron ?? pkg.dependencies?.electron
  const version = /\d+\.\d+\.\d+/.exec(range ?? '')?.[0]
  if (!version) throw new Error('package.json names no Electron version (devDependencies.electron)')
  return version
}

/** The gate: fails on HIGH findings and on source files the scanner could not parse. */
export function verdict({ issues, errors }) {
  const lines = issues.map((i) => {
    const where = i.file === 'N/A' ? '(whole app)' : `${i.file}:${i.location.line}:${i.location.column}`
    return `${i.severity.name.padEnd(13)} ${i.id.padEnd(40)} ${where}${i.manualReview ? '  (review)' : ''}\n${' '.repeat(14)}${i.description}`
  })
  const high = issues.filter((i) => i.severity.name === 'HIGH')
  const unparsed = errors.filter((e) => !e.tolerable && e.file.startsWith('src/'))
  for (const e of errors) lines.push(`${e.tolerable ? 'note' : 'unparsed'}      ${e.file}: ${e.message}`)
  const failed = high.length > 0 || unparsed.length > 0
  lines.push(
    `Electronegativity: ${issues.length} finding(s), ${high.length} HIGH` +
      (unparsed.length > 0 ? `, ${unparsed.length} source file(s) not parsed` : '') +
      (failed ? ': FAILED' : ': passed (0 HIGH)')
  )
  return { failed, lines }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('..', import.meta.url))
  const result = await scan(root)
  if (!result.scanned.includes('out/renderer')) console.log('Note: out/renderer is not built (npm run build): the built renderer was not scanned.')
  console.log(`Scanned: ${result.scanned.join(', ')} (Electron ${electronVersion(root)}; excluded: ${EXCLUDED_CHECKS.join(', ')})`)
  const { failed, lines } = verdict(result)
  for (const line of lines) console.log(line)
  process.exit(failed ? 1 : 0)
}
