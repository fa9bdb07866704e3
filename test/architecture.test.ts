/**
 * The dependency direction of DESIGN.md, enforced: renderer -> shared; preload -> shared;
 * main -> engine -> shared. The engine never touches Electron, node:http, lowdb or Vue.
 */
import { describe, expect, it } from 'vitest'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve, dirname } from 'node:path'

const root = resolve(__dirname, '..')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name)
    if (statSync(full).isDirectory()) return sourceFiles(full)
    return /\.(ts|vue|mts)$/.test(name) ? [full] : []
  })
}

/** Every module specifier a file imports (static, dynamic, re-exports, require). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const specifiers: string[] = []
  const patterns = [/\bimport\s[^'"]*?from\s*['"]([^'"]+)['"]/g, /\bexport\s[^'"]*?from\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g, /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g]
  for (const re of patterns) for (const m of text.matchAll(re)) specifiers.push(m[1]!)
  return specifiers
}

/** The src/ folder an import lands in ('engine', 'main', ...), or the package name. */
function target(file: string, spec: string): string {
  if (spec.startsWith('@renderer/')) return 'renderer'
  if (spec.startsWith('@shared/')) return 'shared'
  if (!spec.startsWith('.')) return spec
  const rel = relative(join(root, 'src'), resolve(dirname(file), spec)).split(/[\\/]/)
  if (rel[0] === 'preload' && rel[1] === 'index.d') return 'preload/index.d'
  return rel[0]!
}

const rules: Array<{ layer: string; forbidden: (t: string) => boolean; why: string }> = [
  {
    layer: 'engine',
    forbidden: (t) => ['electron', 'lowdb', 'vue', 'pinia', 'main', 'renderer', 'preload'].includes(t) || /^(node:)?(http|https|net|http2)$/.test(t) || t.startsWith('lowdb/') || t.startsWith('@vue'),
    why: 'the engine is pure: no electron, node:http, lowdb, Vue, main or renderer'
  },
  { layer: 'shared', forbidden: (t) => ['engine', 'main', 'renderer', 'preload', 'electron', 'lowdb', 'vue'].includes(t), why: 'shared imports nothing from the processes' },
  {
    layer: 'renderer',
    // The preload's type declaration (window.gatelab) is the one preload file the renderer may name.
    forbidden: (t) => (['engine', 'main', 'preload', 'electron', 'lowdb'].includes(t) || t.startsWith('node:')) && t !== 'preload/index.d',
    why: 'the renderer talks only to the contract'
  },
  { layer: 'preload', forbidden: (t) => ['engine', 'main', 'renderer'].includes(t), why: 'the preload depends on shared only' }
]

describe('dependency direction', () => {
  for (const rule of rules) {
    it(`${rule.layer}: ${rule.why}`, () => {
      const violations = sourceFiles(join(root, 'src', rule.layer)).flatMap((file) =>
        importsOf(file)
          .filter((spec) => rule.forbidden(target(file, spec)))
          .map((spec) => `${relative(root, file)} imports ${spec}`)
      )
      expect(violations).toEqual([])
    })
  }

  it('the checker itself catches a forbidden import', () => {
    const file = join(root, 'src', 'engine', 'x.ts')
    expect(rules[0]!.forbidden(target(file, 'node:http'))).toBe(true)
    expect(rules[0]!.forbidden(target(file, '../main/console'))).toBe(true)
    expect(rules[0]!.forbidden(target(file, 'node:crypto'))).toBe(false)
    expect(rules[2]!.forbidden(target(join(root, 'src', 'renderer', 'src', 'a.ts'), '../../engine/index'))).toBe(true)
  })
})
