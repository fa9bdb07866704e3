import { describe, expect, it } from 'vitest'
import { evaluateCondition, parseCondition } from '../../../src/engine/conditions/index'

function run(source: string, variables: Record<string, unknown> = {}): boolean {
  const result = parseCondition(source)
  if (!result.ok) throw new Error(`expected ${source} to parse: ${result.error.message}`)
  return evaluateCondition(result.ast, (name) => variables[name])
}

describe('every operator and word form evaluates', () => {
  const vars = { verb: 'GET', code: 404, path: '/v1/users/42', host: 'API.Example.com' }
  it.each([
    ['verb = "GET"', true],
    ['verb = "POST"', false],
    ['verb == "GET"', true],
    ['verb Equals "GET"', true],
    ['verb is "GET"', true],
    ['verb = "get"', false],
    ['verb != "POST"', true],
    ['verb != "GET"', false],
    ['verb NotEquals "POST"', true],
    ['verb IsNot "GET"', false],
    ['host := "api.example.COM"', true],
    ['host EqualsCaseInsensitive "api.example.com"', true],
    ['host := "api.example.org"', false],
    ['code > 400', true],
    ['code > 404', false],
    ['code GreaterThan 403', true],
    ['code >= 404', true],
    ['code >= 405', false],
    ['code GreaterThanOrEquals 404', true],
    ['code < 500', true],
    ['code < 404', false],
    ['code LesserThan 405', true],
    ['code <= 404', true],
    ['code <= 403', false],
    ['code LesserThanOrEquals 404', true],
    ['path =| "/v1/"', true],
    ['path =| "/v2/"', false],
    ['path StartsWith "/v1"', true],
    ['code =| "4"', true],
    ['path ~ "/v1/*"', true],
    ['path ~ "/v1/*/43"', false],
    ['path Matches "*users*"', true],
    ['path Like "/v2*"', false],
    ['path !~ "/v2*"', true],
    ['path !~ "/v1*"', false],
    ['path ~~ "/v1/users/\\d+"', true],
    ['path ~~ "users/\\d+"', false],
    ['path JavaRegex "/v1/.*"', true],
    ['path ~/ "/v1/*/*"', true],
    ['path ~/ "/v1/*"', false],
    ['path MatchesPath "/v1/**"', true],
    ['path LikePath "/v2/**"', false]
  ])('%s is %s', (source, expected) => {
    expect(run(source, vars)).toBe(expected)
  })
})

describe('null-operand table (reference 8.2 rule 5), every cell', () => {
  // [operator, LHS null, RHS null, both null]
  const table: Array<[string, boolean, boolean, boolean]> = [
    ['=', false, false, true],
    ['==', false, false, true],
    [':=', false, false, true],
    ['=|', false, false, false],
    ['!=', true, true, false],
    ['>', true, false, false],
    ['>=', false, true, true],
    ['<', true, false, false],
    ['<=', true, false, true],
    ['~', false, false, false],
    ['~~', false, false, false],
    ['~/', false, false, false],
    ['!~', true, false, false]
  ]
  const patternOperators = new Set(['~', '~~', '~/', '!~'])

  it.each(table)('%s: LHS null -> %s, RHS null -> %s, both null -> %s', (op, lhsNull, rhsNull, bothNull) => {
    const present = { present: patternOperators.has(op) ? 'abc' : '5' }
    const literal = patternOperators.has(op) ? '"abc"' : '"5"'
    expect(run(`missing ${op} ${literal}`, present), 'LHS unresolved variable').toBe(lhsNull)
    expect(run(`present ${op} null`, present), 'RHS null literal').toBe(rhsNull)
    expect(run(`missing ${op} null`, present), 'both null').toBe(bothNull)
    if (!patternOperators.has(op) && op !== ':=') {
      expect(run(`present ${op} missing`, present), 'RHS unresolved variable').toBe(rhsNull)
      expect(run(`missing ${op} alsoMissing`, present), 'both unresolved').toBe(bothNull)
    }
  })

  it('a variable whose lookup returns null is null too', () => {
    expect(run('v = null', { v: null })).toBe(true)
    expect(run('v != null', { v: null })).toBe(false)
  })

  it('an empty string is not null', () => {
    expect(run('v = null', { v: '' })).toBe(false)
    expect(run('v = ""', { v: '' })).toBe(true)
  })

  it('a lookup that throws reads as null instead of throwing', () => {
    const result = parseCondition('v = null and w != "x"')
    if (!result.ok) throw new Error('parse')
    expect(
      evaluateCondition(result.ast, () => {
        throw new Error('boom')
      })
    ).toBe(true)
  })
})

describe('operand coercion', () => {
  it.each([
    ['code = "400"', { code: 400 }, true],
    ['code = 400', { code: 400 }, true],
    ['code = 400', { code: '400' }, true],
    ['code = "400"', { code: '400' }, true],
    ['code = 400.0d', { code: 400 }, true],
    ['code = 400L', { code: '400' }, true],
    ['code = 1.5f', { code: '1.5' }, true],
    ['code != 400', { code: '400' }, false],
    ['code > "399"', { code: 400 }, true],
    ['code > 5', { code: '10' }, true],
    ['code > "5"', { code: '10' }, true],
    ['code < -1', { code: '-2' }, true],
    ['code = 400', { code: 'four hundred' }, false],
    ['code != 400', { code: 'four hundred' }, true],
    ['code > 400', { code: 'abc' }, true],
    ['flag = true', { flag: true }, true],
    ['flag = true', { flag: 'true' }, true],
    ['flag = true', { flag: 'TRUE' }, true],
    ['flag = "true"', { flag: true }, true],
    ['flag = false', { flag: 'false' }, true],
    ['flag = false', { flag: 'no' }, false],
    ['flag != true', { flag: false }, true],
    ['flag = "yes"', { flag: true }, false],
    ['a = b', { a: 7, b: '7' }, true],
    ['a > b', { a: '10', b: '9' }, true],
    ['a > b', { a: 'b', b: 'a' }, true],
    ['a < b', { a: 'B', b: 'a' }, true],
    ['a =| b', { a: 'abcdef', b: 'abc' }, true],
    ['a =| "tr"', { a: true }, true],
    ['a = "x"', { a: { toString: () => 'x' } }, false],
    ['a != "x"', { a: { toString: () => 'x' } }, false],
    ['a = "x"', { a: ['x'] }, false],
    ['a > 1', { a: new Date(5) }, false],
    ['a = 5', { a: 5n }, true],
    ['a = a', { a: Number.NaN }, false],
    ['a != a', { a: Number.NaN }, true],
    ['a ~ "4*"', { a: 404 }, true],
    ['a := "ABC"', { a: 'abc' }, true],
    ['a := 5', { a: '5.0' }, true]
  ])('%s with %o is %s', (source, variables, expected) => {
    expect(run(source, variables)).toBe(expected)
  })
})

describe('bare operands as truth tests', () => {
  it.each([
    [true, true],
    [false, false],
    ['true', true],
    ['false', false],
    ['FALSE', false],
    ['', false],
    ['anything', true],
    [0, false],
    [1, true],
    [Number.NaN, false],
    [{}, true],
    [undefined, false],
    [null, false]
  ])('%o is %s', (value, expected) => {
    expect(run('oauthV2.failed', { 'oauthV2.failed': value })).toBe(expected)
    expect(run('!oauthV2.failed', { 'oauthV2.failed': value })).toBe(!expected)
  })

  it.each([
    ['true', true],
    ['false', false],
    ['null', false],
    ['""', false],
    ['"x"', true],
    ['0', false],
    ['1', true]
  ])('literal %s is %s', (source, expected) => {
    expect(run(source)).toBe(expected)
  })

  it('an empty condition is true', () => {
    expect(run('')).toBe(true)
    expect(run('   ')).toBe(true)
  })
})

describe('precedence and parentheses evaluate as documented', () => {
  const vars = { a: 'true', b: 'false', c: 'true', verb: 'GET' }
  it.each([
    ['a or b and b', true], // a or (b and b)
    ['(a or b) and b', false],
    ['b and b or a', true],
    ['b and (b or a)', false],
    ['not b and a', true], // (not b) and a
    ['not (b and a)', true],
    ['not a or c', true], // (not a) or c
    ['not (a or c)', false],
    ['!verb = "POST"', true], // !(verb = "POST")
    ['!verb = "GET"', false],
    ['!!a', true],
    ['a && b || c', true],
    ['a && (b || c)', true],
    ['b || b || b || a', true],
    ['a && a && a && b', false]
  ])('%s is %s', (source, expected) => {
    expect(run(source, vars)).toBe(expected)
  })

  it('short-circuits: the right side is not looked up once the result is known', () => {
    const seen: string[] = []
    const result = parseCondition('x = "1" or y = "1"')
    if (!result.ok) throw new Error('parse')
    expect(evaluateCondition(result.ast, (name) => (seen.push(name), name === 'x' ? '1' : undefined))).toBe(true)
    expect(seen).toEqual(['x'])
  })
})

describe('JavaRegex and patterns through conditions', () => {
  it('JavaRegex is a whole-string match', () => {
    expect(run('p ~~ "/token/users(/.*)?"', { p: '/token/users/7' })).toBe(true)
    expect(run('p ~~ "/token/users(/.*)?"', { p: '/x/token/users' })).toBe(false)
    expect(run('v ~~ "^(POST|GET)$"', { v: 'GET' })).toBe(true)
    expect(run('v ~~ "^(POST|GET)$"', { v: 'GETS' })).toBe(false)
    expect(run('p JavaRegex "/c*t"', { p: '/cat' })).toBe(false)
    expect(run('p JavaRegex "/c*t"', { p: '/cct' })).toBe(true)
  })

  it('an invalid JavaRegex is false, for ~~ and for NOT ~~', () => {
    expect(run('p ~~ "(unclosed"', { p: '(unclosed' })).toBe(false)
    expect(run('!(p ~~ "(unclosed")', { p: '(unclosed' })).toBe(true)
  })

  it('regex escapes are written with single backslashes inside the quoted string', () => {
    expect(run('id ~~ "\\d{3}-\\w+"', { id: '123-abc' })).toBe(true)
    // The string escape \\ yields one backslash, so a regex that matches a literal backslash needs four.
    expect(run('q ~~ "a\\\\\\\\b"', { q: 'a\\b' })).toBe(true)
    expect(run('q ~~ "a\\\\b"', { q: 'a\\b' })).toBe(false)
  })

  it('the same parsed condition gives the same answer on repeated evaluation (cached matcher)', () => {
    const result = parseCondition('p ~/ "/a/**/feed/**" and p ~~ ".*1234" and p ~ "*rss*"')
    if (!result.ok) throw new Error('parse')
    for (let i = 0; i < 3; i++) {
      expect(evaluateCondition(result.ast, () => '/a/b/feed/rss/1234')).toBe(true)
      expect(evaluateCondition(result.ast, () => '/a/b/feed/atom/1234')).toBe(false)
    }
  })
})
