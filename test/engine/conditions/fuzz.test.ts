import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  conditionVariables,
  evaluateCondition,
  parseCondition,
  type ConditionNode,
  type ConditionParseResult
} from '../../../src/engine/conditions/index'

const GRAMMAR_TOKENS = [
  '(', ')', '!', 'not', 'NOT', 'and', 'AND', '&&', 'or', 'Or', '||',
  '=', '==', '!=', ':=', '>', '>=', '<', '<=', '=|', '~', '~~', '~/', '!~',
  'Equals', 'Is', 'NotEquals', 'IsNot', 'EqualsCaseInsensitive', 'GreaterThan', 'GreaterThanOrEquals',
  'LesserThan', 'LesserThanOrEquals', 'StartsWith', 'Matches', 'Like', 'JavaRegex', 'MatchesPath', 'LikePath',
  'null', 'true', 'false', 'TRUE', '0', '-1', '400', '1.5f', '2d', '3L', '.5', '-', '.', '1.5L', '12ab',
  '"GET"', '""', '"a\\"b"', '"\\\\"', '"/v1/**"', '"(?i)x.*"', '"[a-"', '"unterminated', '"%{x%}"', '"*"',
  'request.verb', 'proxy.pathsuffix', 'response.status.code', 'a', 'x-y_z.w', 'is.not',
  '&', '|', "'x'", '$', '_', '\\', '#', '\n', '\t', '\r\n'
]

const LOOKUP_VALUES: unknown[] = [
  undefined, null, '', 'true', 'false', 'GET', '400', '1.5', '/v1/users', '-0', 'NaN',
  0, 1, -1, 400, 1.5, Number.NaN, Number.POSITIVE_INFINITY, true, false, 5n, {}, [], new Date(0),
  Symbol('s'), () => 'fn', { toString: () => { throw new Error('toString') } }
]

function lookupFrom(seed: number): (name: string) => unknown {
  return (name) => {
    if (seed % 17 === 16) throw new Error('lookup failed')
    let hash = seed
    for (let i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) | 0
    return LOOKUP_VALUES[Math.abs(hash) % LOOKUP_VALUES.length]
  }
}

function checkNode(node: ConditionNode, source: string, depth = 0): void {
  expect(node.start).toBeGreaterThanOrEqual(0)
  expect(node.end).toBeGreaterThanOrEqual(node.start)
  expect(node.end).toBeLessThanOrEqual(source.length)
  if (depth > 300) throw new Error('AST deeper than the nesting limit allows')
  switch (node.kind) {
    case 'and':
    case 'or':
      expect(node.operands.length).toBeGreaterThanOrEqual(2)
      for (const operand of node.operands) checkNode(operand, source, depth + 1)
      break
    case 'not':
      checkNode(node.operand, source, depth + 1)
      break
    case 'comparison':
      checkNode(node.left, source, depth + 1)
      checkNode(node.right, source, depth + 1)
      expect(source.slice(node.operatorStart, node.operatorStart + node.operatorText.length)).toBe(node.operatorText)
      break
    case 'variable':
      expect(source.slice(node.start, node.end)).toContain(node.name)
      break
    default:
      break
  }
}

/** What every parse result must satisfy: a well-formed AST that evaluates to a boolean, or a well-formed error. */
function checkResult(source: string, result: ConditionParseResult, seed: number): void {
  if (result.ok) {
    checkNode(result.ast, source)
    expect(typeof evaluateCondition(result.ast, lookupFrom(seed))).toBe('boolean')
    expect(typeof evaluateCondition(result.ast, lookupFrom(seed + 1))).toBe('boolean')
    const names = conditionVariables(result.ast)
    expect(new Set(names).size).toBe(names.length)
  } else {
    const { error } = result
    expect(typeof error.code).toBe('string')
    expect(error.message.length).toBeGreaterThan(0)
    expect(error.position).toBeGreaterThanOrEqual(0)
    expect(error.position).toBeLessThanOrEqual(source.length)
    expect(error.line).toBeGreaterThanOrEqual(1)
    expect(error.column).toBeGreaterThanOrEqual(1)
  }
}

function parseAndCheck(source: string, seed: number): ConditionParseResult {
  let result: ConditionParseResult | undefined
  expect(() => {
    result = parseCondition(source)
  }).not.toThrow()
  checkResult(source, result as ConditionParseResult, seed)
  return result as ConditionParseResult
}

const variableName = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9._-]{0,12}$/).filter(
  (name) => !/^(and|or|not|equals|is|notequals|isnot|equalscaseinsensitive|greaterthan|greaterthanorequals|lesserthan|lesserthanorequals|startswith|matches|like|javaregex|matchespath|likepath)$/i.test(name)
)
const quoted = fc.string({ maxLength: 12 }).map((s) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)
const literal = fc.oneof(
  quoted,
  fc.integer({ min: -100000, max: 100000 }).map(String),
  fc.constantFrom('null', 'true', 'false', '1.5f', '2D', '7l', '0.25')
)
const valueOperator = fc.constantFrom('=', '==', '!=', '>', '>=', '<', '<=', '=|', 'Equals', 'is', 'NotEquals', 'IsNot', 'GreaterThan', 'LesserThanOrEquals', 'StartsWith')
const literalOperator = fc.constantFrom(':=', 'EqualsCaseInsensitive')
const patternOperator = fc.constantFrom('~', '~~', '~/', '!~', 'Matches', 'Like', 'JavaRegex', 'MatchesPath', 'LikePath')

const comparison = fc.oneof(
  fc.tuple(variableName, valueOperator, fc.oneof(literal, variableName)).map(([l, op, r]) => `${l} ${op} ${r}`),
  fc.tuple(variableName, literalOperator, literal).map(([l, op, r]) => `${l} ${op} ${r}`),
  fc.tuple(variableName, patternOperator, fc.oneof(quoted, fc.constant('null'))).map(([l, op, r]) => `${l} ${op} ${r}`),
  variableName,
  literal
)

const { condition } = fc.letrec((tie) => ({
  condition: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    comparison,
    fc.tuple(fc.constantFrom('!', 'not ', 'NOT '), tie('condition')).map(([not, c]) => `${not}(${c as string})`),
    fc.tuple(tie('condition'), fc.constantFrom(' and ', ' && ', ' or ', ' || ', ' AND ', ' Or '), tie('condition')).map(
      ([a, op, b]) => `${a as string}${op}${b as string}`
    ),
    tie('condition').map((c) => `(${c as string})`)
  )
}))

describe('the parser and evaluator never throw', () => {
  it('on thousands of random strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.nat(), (source, seed) => {
        parseAndCheck(source, seed)
      }),
      { numRuns: 4000 }
    )
  })

  it('on random strings of arbitrary UTF-16 code units', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.nat(), (source, seed) => {
        parseAndCheck(source, seed)
      }),
      { numRuns: 2000 }
    )
  })

  it('on random token soups built from the grammar’s own tokens', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...GRAMMAR_TOKENS), fc.constantFrom('', ' ', ' ', '  ', '\n')), { maxLength: 25 }),
        fc.nat(),
        (parts, seed) => {
          parseAndCheck(parts.map(([token, gap]) => token + gap).join(''), seed)
        }
      ),
      { numRuns: 5000 }
    )
  })

  it('on well-formed conditions from the grammar: they always parse, and evaluate to a boolean', () => {
    fc.assert(
      fc.property(condition, fc.nat(), (source, seed) => {
        const result = parseAndCheck(source, seed)
        if (!result.ok) throw new Error(`${JSON.stringify(source)} did not parse: ${result.error.message}`)
      }),
      { numRuns: 3000 }
    )
  })

  it('on random patterns for every pattern operator', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), patternOperator, (pattern, value, op) => {
        const source = `v ${op} "${pattern.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
        const result = parseCondition(source)
        if (!result.ok) throw new Error(`${JSON.stringify(source)} did not parse: ${result.error.message}`)
        expect(typeof evaluateCondition(result.ast, () => value)).toBe('boolean')
      }),
      { numRuns: 3000 }
    )
  })
})

describe('hostile inputs from outside TypeScript', () => {
  it('a non-string condition is a parse error, not an exception', () => {
    for (const value of [undefined, null, 42, {}, Symbol('s'), { toString: () => { throw new Error('x') } }]) {
      const result = parseCondition(value as unknown as string)
      expect(result).toMatchObject({ ok: false, error: { position: 0, line: 1, column: 1 } })
    }
  })

  it('a malformed AST evaluates to false instead of throwing', () => {
    expect(evaluateCondition({ kind: 'and' } as unknown as ConditionNode, () => undefined)).toBe(false)
    expect(evaluateCondition(null as unknown as ConditionNode, () => undefined)).toBe(false)
  })
})
