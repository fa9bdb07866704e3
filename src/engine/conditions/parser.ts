/**
 * Recursive-descent parser. Precedence, loosest first: OR, AND, NOT, comparison.
 * A comparison is an atom (`operand op operand`), so `!a = "x"` reads as `!(a = "x")`, as apigeelint parses it.
 */
import type {
  ComparisonNode,
  ComparisonOperator,
  ConditionNode,
  ConditionParseErrorCode,
  ConditionParseResult,
  OperandNode
} from './ast'
import { lineAndColumn, tokenize, where, type Token } from './lexer'

/** Deeper nesting than this is refused, so neither parsing nor evaluation can exhaust the stack. */
export const MAX_NESTING_DEPTH = 200

/** Operators whose right-hand side may be another variable (reference 8.2 rule 1). */
const VARIABLE_RHS_OPERATORS: ReadonlySet<ComparisonOperator> = new Set<ComparisonOperator>([
  'Equals',
  'NotEquals',
  'GreaterThan',
  'GreaterThanOrEquals',
  'LesserThan',
  'LesserThanOrEquals',
  'StartsWith'
])

/** Pattern operators take a quoted pattern (or null) on the right. */
const PATTERN_OPERATORS: ReadonlySet<ComparisonOperator> = new Set<ComparisonOperator>([
  'Matches',
  'NotMatches',
  'JavaRegex',
  'MatchesPath'
])

class ParseFailure {
  constructor(
    readonly code: ConditionParseErrorCode,
    readonly message: string,
    readonly position: number
  ) {}
}

class Parser {
  private index = 0
  private depth = 0

  constructor(
    private readonly source: string,
    private readonly tokens: Token[]
  ) {}

  parseCondition(): ConditionNode {
    const first = this.peek()
    if (first.type === 'eof') return { kind: 'empty', start: 0, end: this.source.length }
    const node = this.parseOr()
    const next = this.peek()
    if (next.type === 'rparen') {
      this.fail('unexpected_token', `Unmatched ")" at ${where(this.source, next.start)}: expected "and", "or" or the end of the condition`, next.start)
    }
    if (next.type !== 'eof') {
      this.fail(
        'unexpected_token',
        `Expected "and", "or" or the end of the condition but found ${describe(next)} at ${where(this.source, next.start)}`,
        next.start
      )
    }
    return node
  }

  private parseOr(): ConditionNode {
    const first = this.parseAnd()
    if (this.peek().type !== 'or') return first
    const operands = [first]
    while (this.peek().type === 'or') {
      this.index++
      operands.push(this.parseAnd())
    }
    return { kind: 'or', operands, start: first.start, end: (operands[operands.length - 1] as ConditionNode).end }
  }

  private parseAnd(): ConditionNode {
    const first = this.parseUnary()
    if (this.peek().type !== 'and') return first
    const operands = [first]
    while (this.peek().type === 'and') {
      this.index++
      operands.push(this.parseUnary())
    }
    return { kind: 'and', operands, start: first.start, end: (operands[operands.length - 1] as ConditionNode).end }
  }

  private parseUnary(): ConditionNode {
    const token = this.peek()
    if (token.type === 'not') {
      this.index++
      this.enter(token)
      const operand = this.parseUnary()
      this.depth--
      return { kind: 'not', operand, start: token.start, end: operand.end }
    }
    if (token.type === 'lparen') {
      this.index++
      this.enter(token)
      const inner = this.parseOr()
      this.depth--
      const close = this.peek()
      if (close.type !== 'rparen') {
        this.fail(
          close.type === 'eof' ? 'unexpected_end' : 'unexpected_token',
          `Expected ")" to close the "(" at ${where(this.source, token.start)}, or "and"/"or", but found ${describe(close)} at ${where(this.source, close.start)}`,
          close.start
        )
      }
      this.index++
      // The group's span includes its parentheses, so traces underline what the author wrote.
      inner.start = token.start
      inner.end = close.end
      return inner
    }
    return this.parseComparison()
  }

  private parseComparison(): ConditionNode {
    const left = this.parseOperand('a variable, a literal, "(" or "not"')
    const operatorToken = this.peek()
    if (operatorToken.type !== 'comparison') return left
    this.index++
    const operator = operatorToken.operator
    const right = this.parseOperand(rightHandSideDescription(operator))
    if (right.kind === 'variable' && !VARIABLE_RHS_OPERATORS.has(operator)) {
      this.fail(
        'operand_not_allowed',
        `"${operatorToken.text}" needs a literal on its right-hand side, not the variable "${right.name}" (at ${where(this.source, right.start)}); only = != > >= < <= =| compare two variables`,
        right.start
      )
    }
    if (PATTERN_OPERATORS.has(operator) && right.kind !== 'string' && right.kind !== 'null') {
      this.fail(
        'operand_not_allowed',
        `"${operatorToken.text}" needs a quoted pattern on its right-hand side but found ${describeOperand(right)} at ${where(this.source, right.start)}`,
        right.start
      )
    }
    const node: ComparisonNode = {
      kind: 'comparison',
      operator,
      operatorText: operatorToken.text,
      operatorStart: operatorToken.start,
      left,
      right,
      start: left.start,
      end: right.end
    }
    return node
  }

  private parseOperand(expected: string): OperandNode {
    const token = this.peek()
    switch (token.type) {
      case 'string':
        this.index++
        return { kind: 'string', value: token.value, start: token.start, end: token.end }
      case 'number':
        this.index++
        return { kind: 'number', value: token.value, numberType: token.numberType, raw: token.text, start: token.start, end: token.end }
      case 'name': {
        this.index++
        const lower = token.text.toLowerCase()
        if (lower === 'true' || lower === 'false') return { kind: 'boolean', value: lower === 'true', start: token.start, end: token.end }
        if (lower === 'null') return { kind: 'null', start: token.start, end: token.end }
        return { kind: 'variable', name: token.text, start: token.start, end: token.end }
      }
      default:
        return this.fail(
          token.type === 'eof' ? 'unexpected_end' : 'unexpected_token',
          `Expected ${expected} but found ${describe(token)} at ${where(this.source, token.start)}`,
          token.start
        )
    }
  }

  private enter(token: Token): void {
    this.depth++
    if (this.depth > MAX_NESTING_DEPTH) {
      this.fail('nesting_too_deep', `Condition nests deeper than ${MAX_NESTING_DEPTH} levels at ${where(this.source, token.start)}`, token.start)
    }
  }

  private peek(): Token {
    return this.tokens[this.index] ?? (this.tokens[this.tokens.length - 1] as Token)
  }

  private fail(code: ConditionParseErrorCode, message: string, position: number): never {
    throw new ParseFailure(code, message, position)
  }
}

function rightHandSideDescription(operator: ComparisonOperator): string {
  if (PATTERN_OPERATORS.has(operator)) return 'a quoted pattern'
  if (VARIABLE_RHS_OPERATORS.has(operator)) return 'a quoted string, a number, true, false, null or a variable'
  return 'a quoted string, a number, true, false or null'
}

function describe(token: Token): string {
  switch (token.type) {
    case 'eof':
      return 'the end of the condition'
    case 'string':
      return `the string ${token.text}`
    case 'number':
      return `the number ${token.text}`
    case 'name':
      return `"${token.text}"`
    case 'comparison':
      return `the operator "${token.text}"`
    default:
      return `"${token.text}"`
  }
}

function describeOperand(node: OperandNode): string {
  switch (node.kind) {
    case 'number':
      return `the number ${node.raw}`
    case 'boolean':
      return `${node.value}`
    case 'variable':
      return `the variable "${node.name}"`
    default:
      return node.kind
  }
}

/** Parses a condition; never throws. */
export function parse(source: string): ConditionParseResult {
  try {
    const tokens = tokenize(source)
    if (!Array.isArray(tokens)) return failure(source, tokens.code, tokens.message, tokens.position)
    return { ok: true, ast: new Parser(source, tokens).parseCondition() }
  } catch (error) {
    if (error instanceof ParseFailure) return failure(source, error.code, error.message, error.position)
    // A bug here must not take a deployment down with an exception; report it as a parse error at 0.
    return failure(source, 'unexpected_token', `Condition could not be parsed: ${String(error)}`, 0)
  }
}

function failure(source: string, code: ConditionParseErrorCode, message: string, position: number): ConditionParseResult {
  const { line, column } = lineAndColumn(source, position)
  return { ok: false, error: { code, message, position, line, column } }
}
