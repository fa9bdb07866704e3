import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isValidResourcePattern, matchesResourcePath } from '../../../src/engine/kms'

// Reference table 4.3, row by row: [pattern, matches, does not match].
const table: Array<[string, string[], string[]]> = [
  ['/', ['', '/', '/a', '/a/b/c'], []],
  ['/**', ['/', '/a', '/a/b/c'], ['']],
  ['/*', ['/a', '/'], ['/a/b', '']],
  ['/a', ['/a'], ['/a/', '/a/b', '', '/b']],
  ['/a/*', ['/a/x'], ['/a/x/y', '/a']],
  ['/a/**', ['/a/', '/a/x/y'], ['/a']],
  ['/a/*/c', ['/a/x/c'], ['/a/x/y/c', '/a/c']],
  ['/*/users', ['/token/users'], ['/token/users/1', '/users']]
]

describe('matchesResourcePath (reference 4.3)', () => {
  for (const [pattern, yes, no] of table) {
    for (const suffix of yes) {
      it(`${pattern} matches "${suffix}"`, () => expect(matchesResourcePath(pattern, suffix)).toBe(true))
    }
    for (const suffix of no) {
      it(`${pattern} does not match "${suffix}"`, () => expect(matchesResourcePath(pattern, suffix)).toBe(false))
    }
  }

  it('treats regex characters in a pattern literally', () => {
    expect(matchesResourcePath('/v1.0/items', '/v1.0/items')).toBe(true)
    expect(matchesResourcePath('/v1.0/items', '/v1x0/items')).toBe(false)
  })

  it('rejects ** anywhere but at the end, as the management API does', () => {
    expect(isValidResourcePattern('/a/**/b')).toBe(false)
    expect(matchesResourcePath('/a/**/b', '/a/x/b')).toBe(false)
    expect(isValidResourcePattern('/a/**')).toBe(true)
  })
})


describe('matchesResourcePath properties', () => {
  const segment = fc.stringMatching(/^[a-z0-9._~-]{1,8}$/)
  const suffix = fc.array(segment, { maxLength: 5 }).map((s) => (s.length ? `/${s.join('/')}` : ''))

  it('"/" matches every suffix; "/**" every suffix but the bare base path', () => {
    fc.assert(
      fc.property(suffix, (s) => {
        expect(matchesResourcePath('/', s)).toBe(true)
        expect(matchesResourcePath('/**', s)).toBe(s !== '')
      })
    )
  })

  it('a literal pattern matches only itself; "/*" exactly one segment', () => {
    fc.assert(
      fc.property(suffix, suffix, (p, s) => {
        if (p === '') return
        expect(matchesResourcePath(p, s)).toBe(p === s)
        expect(matchesResourcePath('/*', s)).toBe(s.split('/').length === 2)
      })
    )
  })
})
