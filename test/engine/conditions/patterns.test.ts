import { describe, expect, it } from 'vitest'
import { matchesGlob, matchesJavaRegex, matchesPath } from '../../../src/engine/conditions/index'

describe('matchesGlob (Matches / Like)', () => {
  it.each([
    ['*', '', true],
    ['*', 'anything/at all', true],
    ['abc', 'abc', true],
    ['abc', 'abcd', false],
    ['abc', 'ABC', false],
    ['a*c', 'ac', true],
    ['a*c', 'abbbc', true],
    ['a*c', 'abbbcd', false],
    ['/v1/*', '/v1/users/42', true],
    ['*/users/*', '/v1/users/42', true],
    ['*.json', 'data.json', true],
    ['*.json', 'data.xml', false],
    ['a*b*c', 'aXbYbZc', true],
    ['a*b*c', 'aXcYb', false],
    ['**', 'x', true],
    ['a?c', 'abc', false],
    ['a?c', 'a?c', true],
    ['', '', true],
    ['', 'x', false]
  ])('%j ~ %j is %s', (pattern, value, expected) => {
    expect(matchesGlob(pattern, value)).toBe(expected)
  })
})

describe('matchesPath (MatchesPath / LikePath)', () => {
  it.each([
    // Reference 8.2 rule 6.
    ['/*/a/', '/x/a/', true],
    ['/*/a/*', '/x/a/b', true],
    ['/*/a/**', '/x/a/b/c/d', true],
    ['/a/**/feed/**', '/a/b/feed/rss/1234', true],
    ['%{user%}', '{user}', true],
    // `*` is exactly one segment.
    ['/*/a/*', '/x/a/b/c', false],
    ['/*/a/', '/x/y/a/', false],
    ['/animals/*', '/animals/cats', true],
    ['/animals/*', '/animals/cats/wild', false],
    ['/animals/*', '/animals', false],
    // `**` is any number of segments, none included.
    ['/animals/**', '/animals/cats/wild/african', true],
    ['/animals/**', '/animals', true],
    ['/a/**/feed', '/a/feed', true],
    ['/a/**/feed', '/a/b/c/feed', true],
    ['/a/**/feed', '/a/b/c/feed/x', false],
    ['/**', '', true],
    ['/**', '/', true],
    ['**', '/any/thing', true],
    // `*` inside a segment is a wildcard within the segment only.
    ['/v1/user*', '/v1/users', true],
    ['/v1/user*', '/v1/users/1', false],
    ['/v1/*s/*', '/v1/users/1', true],
    ['/a**b', '/aXb', true],
    ['/a**b', '/aX/b', false],
    // Literal segments and trailing slashes are exact and case-sensitive.
    ['/statuses', '/statuses', true],
    ['/statuses', '/Statuses', false],
    ['/statuses', '/statuses/', false],
    ['/statuses/', '/statuses', false],
    ['/', '/', true],
    ['/', '', false],
    ['', '', true],
    // `%` escapes.
    ['/files/%*', '/files/*', true],
    ['/files/%*', '/files/x', false],
    ['/100%%', '/100%', true],
    ['/100%', '/100%', true]
  ])('%j ~/ %j is %s', (pattern, value, expected) => {
    expect(matchesPath(pattern, value)).toBe(expected)
  })
})

describe('matchesJavaRegex: whole-string match with Java syntax', () => {
  it.each([
    ['/token/users(/.*)?', '/token/users', true],
    ['/token/users(/.*)?', '/token/users/1', true],
    ['/token/users(/.*)?', 'x/token/users', false],
    ['/c*t', '/cat', false],
    ['/c*t', '/ccct', true],
    ['^(POST|GET)$', 'POST', true],
    ['POST|GET', 'GET', true],
    ['POST|GET', 'GETX', false],
    ['.*', '', true],
    ['abc', 'xabcx', false],
    // Inline flags at the start become JS flags.
    ['(?i)bearer .+', 'BEARER abc', true],
    ['bearer .+', 'BEARER abc', false],
    ['(?s)a.b', 'a\nb', true],
    ['a.b', 'a\nb', false],
    ['(?x) a b  # comment', 'ab', true],
    ['(?i:abc)', 'ABC', false],
    ['(?i)(?i:abc)', 'ABC', true],
    // Escapes Java has and JS spells differently or not at all.
    ['\\Aabc\\z', 'abc', true],
    ['abc\\Z', 'abc', true],
    ['\\Qa.b*c\\E', 'a.b*c', true],
    ['\\Qa.b*c\\E', 'aXbbc', false],
    ['\\Qa.b', 'a.b', true],
    ['\\p{Alpha}+', 'abcXYZ', true],
    ['\\p{Alpha}+', 'abc1', false],
    ['[\\p{Digit}x]+', '12x3', true],
    ['\\P{Digit}+', 'abc', true],
    ['\\p{Lu}\\p{Ll}+', 'Hello', true],
    ['\\p{IsAlphabetic}+', 'héllo', true],
    ['\\p{IsLatin}+', 'abc', true],
    ['\\p{L}+', 'ωμέγα', true],
    ['\\h\\v', ' \n', true],
    ['a\\Rb', 'a\r\nb', true],
    ['\\x{41}\\x42\\u0043\\0104', 'ABCD', true],
    ['\\e\\a', '\u001b\u0007', true],
    ['\\-\\#\\@\\"\\/', '-#@"/', true],
    ['[a-c[x-z]]+', 'abzx', true],
    ['[]a]+', ']a]', true],
    ['a{2}+b', 'aab', true],
    ['a*+b', 'aaab', true],
    ['(?>ab|a)c', 'abc', true],
    ['a++b', 'aab', true],
    ['x*?y', 'xxy', true],
    ['(?<year>\\d{4})-\\k<year>', '2024-2024', true],
    ['(a)\\1', 'aa', true],
    ['a}b]', 'a}b]', true],
    ['[{}()|/]+', '{}()|/', true],
    ['\\d+', '١٢', false]
  ])('%j matches %j: %s', (pattern, value, expected) => {
    expect(matchesJavaRegex(pattern, value)).toBe(expected)
  })

  it.each([
    '(unclosed',
    'a{',
    '[abc',
    '*leading',
    '\\',
    '\\y',
    '\\G',
    '[a-z&&[^aeiou]]',
    '[a[^b]]',
    '\\p{javaLowerCase}',
    '\\p{InGreek}',
    'a(?i)b',
    '\\k<none>'
  ])('invalid or inexpressible pattern %j is false, never an exception', (pattern) => {
    expect(() => matchesJavaRegex(pattern, 'anything')).not.toThrow()
    expect(matchesJavaRegex(pattern, pattern)).toBe(false)
  })
})
