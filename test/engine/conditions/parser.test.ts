import { describe, expect, it } from 'vitest'
import {
  conditionVariables,
  parseCondition,
  type ComparisonNode,
  type ComparisonOperator,
  type ConditionNode
} from '../../../src/engine/conditions/index'

function ast(source: string): ConditionNode {
  const result = parseCondition(source)
  if (!result.ok) throw new Error(`expected ${source} to parse: ${result.error.message}`)
  return result.ast
}

function comparison(source: string): ComparisonNode {
  const node = ast(source)
  if (node.kind !== 'comparison') throw new Error(`expected a comparison, got ${node.kind}`)
  return node
}

describe('operators: every symbol and word form', () => {
  const table: Array<[string, ComparisonOperator]> = [
    ['=', 'Equals'],
    ['==', 'Equals'],
    ['Equals', 'Equals'],
    ['equals', 'Equals'],
    ['EQUALS', 'Equals'],
    ['Is', 'Equals'],
    ['is', 'Equals'],
    ['!=', 'NotEquals'],
    ['NotEquals', 'NotEquals'],
    ['notequals', 'NotEquals'],
    ['IsNot', 'NotEquals'],
    ['isnot', 'NotEquals'],
    [':=', 'EqualsCaseInsensitive'],
    ['EqualsCaseInsensitive', 'EqualsCaseInsensitive'],
    ['equalscaseinsensitive', 'EqualsCaseInsensitive'],
    ['>', 'GreaterThan'],
    ['GreaterThan', 'GreaterThan'],
    ['greaterthan', 'GreaterThan'],
    ['>=', 'GreaterThanOrEquals'],
    ['GreaterThanOrEquals', 'GreaterThanOrEquals'],
    ['<', 'LesserThan'],
    ['LesserThan', 'LesserThan'],
    ['<=', 'LesserThanOrEquals'],
    ['LesserThanOrEquals', 'LesserThanOrEquals'],
    ['=|', 'StartsWith'],
    ['StartsWith', 'StartsWith'],
    ['startswith', 'StartsWith'],
    ['~', 'Matches'],
    ['Matches', 'Matches'],
    ['Like', 'Matches'],
    ['like', 'Matches'],
    ['~~', 'JavaRegex'],
    ['JavaRegex', 'JavaRegex'],
    ['javaregex', 'JavaRegex'],
    ['~/', 'MatchesPath'],
    ['MatchesPath', 'MatchesPath'],
    ['LikePath', 'MatchesPath'],
    ['likepath', 'MatchesPath'],
    ['!~', 'NotMatches']
  ]
  it.each(table)('%s parses as %s', (text, operator) => {
    const node = comparison(`request.header.x-api-key ${text} "abc"`)
    expect(node.operator).toBe(operator)
    expect(node.operatorText).toBe(text)
    expect(node.operatorStart).toBe('request.header.x-api-key '.length)
    expect(node.left).toEqual({ kind: 'variable', name: 'request.header.x-api-key', start: 0, end: 24 })
    expect(node.right).toMatchObject({ kind: 'string', value: 'abc' })
  })

  it.each(table.filter(([text]) => !/^[a-z]/i.test(text)))('symbol %s needs no whitespace', (text, operator) => {
    const node = comparison(`a${text}"b"`)
    expect(node.operator).toBe(operator)
    expect(node.left).toMatchObject({ kind: 'variable', name: 'a' })
  })

  it('a word operator glued to a name is part of the name, so it needs whitespace', () => {
    const result = parseCondition('request.verbEquals"GET"')
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.error.code).toBe('unexpected_token')
  })

  it.each([
    ['&&', 'and'],
    ['and', 'and'],
    ['AND', 'and'],
    ['And', 'and'],
    ['||', 'or'],
    ['or', 'or'],
    ['OR', 'or']
  ])('%s joins conditions as %s', (text, kind) => {
    const node = ast(`a = "1" ${text} b = "2"`)
    expect(node.kind).toBe(kind)
  })

  it.each(['!', 'not ', 'NOT ', 'Not '])('%s negates', (text) => {
    const node = ast(`${text}(a = "1")`)
    expect(node).toMatchObject({ kind: 'not', operand: { kind: 'comparison', operator: 'Equals' }, start: 0 })
  })
})

describe('operands', () => {
  it.each([
    ['"GET"', { kind: 'string', value: 'GET' }],
    ['""', { kind: 'string', value: '' }],
    ['"say \\"hi\\""', { kind: 'string', value: 'say "hi"' }],
    ['"back\\\\slash"', { kind: 'string', value: 'back\\slash' }],
    ['"/v1/\\d+"', { kind: 'string', value: '/v1/\\d+' }],
    ['400', { kind: 'number', value: 400, numberType: 'int', raw: '400' }],
    ['-3', { kind: 'number', value: -3, numberType: 'int' }],
    ['2.5', { kind: 'number', value: 2.5, numberType: 'double' }],
    ['1.5f', { kind: 'number', value: 1.5, numberType: 'float', raw: '1.5f' }],
    ['2F', { kind: 'number', value: 2, numberType: 'float' }],
    ['7d', { kind: 'number', value: 7, numberType: 'double' }],
    ['7D', { kind: 'number', value: 7, numberType: 'double' }],
    ['9000000000l', { kind: 'number', value: 9000000000, numberType: 'long' }],
    ['12L', { kind: 'number', value: 12, numberType: 'long' }],
    ['null', { kind: 'null' }],
    ['NULL', { kind: 'null' }],
    ['true', { kind: 'boolean', value: true }],
    ['False', { kind: 'boolean', value: false }],
    ['other.var_1-x', { kind: 'variable', name: 'other.var_1-x' }]
  ])('right-hand side %s', (text, expected) => {
    const node = comparison(`a = ${text}`)
    expect(node.right).toMatchObject({ ...expected, start: 4, end: 4 + text.length })
  })

  it('a bare variable is a condition of its own', () => {
    expect(ast('oauthV2.failed')).toEqual({ kind: 'variable', name: 'oauthV2.failed', start: 0, end: 14 })
  })

  it('bare literals are conditions too', () => {
    expect(ast('true')).toMatchObject({ kind: 'boolean', value: true })
    expect(ast(' false ')).toMatchObject({ kind: 'boolean', value: false, start: 1, end: 6 })
  })

  it('an empty or whitespace-only condition is the always-true empty node', () => {
    expect(ast('')).toEqual({ kind: 'empty', start: 0, end: 0 })
    expect(ast(' \n\t ')).toEqual({ kind: 'empty', start: 0, end: 4 })
  })

  it.each(['=', '!=', '>', '>=', '<', '<=', '=|'])('variable-vs-variable is allowed for %s', (op) => {
    expect(comparison(`a ${op} b`).right).toMatchObject({ kind: 'variable', name: 'b' })
  })

  it.each([':=', '~', '~~', '~/', '!~', 'Matches', 'JavaRegex', 'MatchesPath', 'EqualsCaseInsensitive'])(
    'a variable on the right of %s is a parse error at the variable',
    (op) => {
      const result = parseCondition(`a ${op} b`)
      expect(result).toMatchObject({ ok: false, error: { code: 'operand_not_allowed', position: op.length + 3 } })
    }
  )

  it.each(['~ 5', '~~ true', '~/ 1.5f', 'Like false'])('pattern operators want a quoted pattern: a %s', (rest) => {
    const result = parseCondition(`a ${rest}`)
    expect(result).toMatchObject({ ok: false, error: { code: 'operand_not_allowed' } })
  })

  it('pattern operators accept null', () => {
    expect(comparison('a ~ null').right).toMatchObject({ kind: 'null' })
  })
})

describe('precedence and parentheses', () => {
  it('AND binds tighter than OR', () => {
    const node = ast('a = "1" or b = "2" and c = "3"')
    expect(node).toMatchObject({
      kind: 'or',
      operands: [{ kind: 'comparison' }, { kind: 'and', operands: [{ kind: 'comparison' }, { kind: 'comparison' }] }]
    })
  })

  it('chains of one operator are flat', () => {
    const node = ast('a and b and c and d')
    expect(node).toMatchObject({ kind: 'and', operands: [{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd' }] })
  })

  it('NOT applies to the comparison that follows it', () => {
    expect(ast('!request.verb = "POST"')).toMatchObject({
      kind: 'not',
      operand: { kind: 'comparison', operator: 'Equals', left: { name: 'request.verb' } }
    })
  })

  it('NOT binds tighter than AND', () => {
    expect(ast('not a and b')).toMatchObject({ kind: 'and', operands: [{ kind: 'not', operand: { name: 'a' } }, { name: 'b' }] })
  })

  it('parentheses override precedence and their span covers them', () => {
    const node = ast('(a or b) and c')
    expect(node).toMatchObject({ kind: 'and', start: 0, end: 14, operands: [{ kind: 'or', start: 0, end: 8 }, { name: 'c' }] })
  })

  it('nested parentheses and double negation', () => {
    expect(ast('!(!((a)))')).toMatchObject({ kind: 'not', operand: { kind: 'not', operand: { kind: 'variable', name: 'a' } } })
  })

  it('the documented examples parse', () => {
    for (const source of [
      '(proxy.pathsuffix MatchesPath "/statuses") and (request.verb = "GET")',
      'proxy.pathsuffix MatchesPath "/authorize" and request.verb = "POST"',
      '(request.verb = "POST") && (proxy.pathsuffix = "/token")',
      'request.verb == "GET"',
      '!valid',
      'Not valid',
      'not (request.verb = "POST")',
      'variable.name Equals another.variable',
      'numeric.variable LesserThan another.numeric.variable',
      '(proxy.pathsuffix = "") or (proxy.pathsuffix = "/")',
      'request.header.Content-Type\n  = "application/json"\n  and response.status.code >= 400'
    ]) {
      expect(parseCondition(source).ok, source).toBe(true)
    }
  })
})

describe('parse errors name what was expected and where', () => {
  it.each([
    ['request.verb = ', 'unexpected_end', 15, 1, 16, /Expected a quoted string, a number, true, false, null or a variable but found the end of the condition/],
    ['(a = "1"', 'unexpected_end', 8, 1, 9, /Expected "\)" to close the "\(" at line 1, column 1/],
    ['a = "1")', 'unexpected_token', 7, 1, 8, /Unmatched "\)"/],
    ['a = "1" b = "2"', 'unexpected_token', 8, 1, 9, /Expected "and", "or" or the end of the condition but found "b"/],
    ['a = "open', 'unterminated_string', 4, 1, 5, /Unterminated string/],
    ["a = 'x'", 'unexpected_character', 4, 1, 5, /double quotes/],
    ['a & b', 'unexpected_character', 2, 1, 3, /did you mean "&&"/],
    ['a = 12abc', 'invalid_number', 6, 1, 7, /variable names start with a letter/],
    ['a = 1.5L', 'invalid_number', 4, 1, 5, /long/],
    ['and a', 'unexpected_token', 0, 1, 1, /Expected a variable, a literal, "\(" or "not" but found "and"/],
    ['a = "1" and\n  = "2"', 'unexpected_token', 14, 2, 3, /line 2, column 3/],
    ['a = "1" and\r\nb = ', 'unexpected_end', 17, 2, 5, /line 2, column 5/],
    ['!', 'unexpected_end', 1, 1, 2, /found the end of the condition/],
    ['()', 'unexpected_token', 1, 1, 2, /found "\)"/],
    ['a = = b', 'unexpected_token', 4, 1, 5, /found the operator "="/],
    ['a ~~ b', 'operand_not_allowed', 5, 1, 6, /only = != > >= < <= =\| compare two variables/]
  ])('%j', (source, code, position, line, column, message) => {
    const result = parseCondition(source)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error).toMatchObject({ code, position, line, column })
    expect(result.error.message).toMatch(message)
  })

  it('refuses absurd nesting with a parse error instead of a stack overflow', () => {
    const result = parseCondition('('.repeat(5000) + 'a' + ')'.repeat(5000))
    expect(result).toMatchObject({ ok: false, error: { code: 'nesting_too_deep' } })
    const nots = parseCondition('!'.repeat(5000) + 'a')
    expect(nots).toMatchObject({ ok: false, error: { code: 'nesting_too_deep' } })
  })

  it('long flat chains are fine', () => {
    const source = Array.from({ length: 5000 }, (_, i) => `v${i} = "${i}"`).join(' and ')
    const result = parseCondition(source)
    expect(result.ok && result.ast.kind === 'and' && result.ast.operands.length).toBe(5000)
  })
})

describe('conditionVariables', () => {
  it('lists variables in source order without duplicates and without literals', () => {
    const node = ast('(a.b = "x" or c != a.b) and !(d ~~ "y") and true and e > null and a.b')
    expect(conditionVariables(node)).toEqual(['a.b', 'c', 'd', 'e'])
  })

  it('is empty for literals and empty conditions', () => {
    expect(conditionVariables(ast('true'))).toEqual([])
    expect(conditionVariables(ast(''))).toEqual([])
  })
})
