/**
 * Evaluation of a parsed condition against flow variables. Follows reference 8.2: operands are coerced to
 * a common type, null operands follow the null-operand table, objects never compare.
 * Evaluation allocates nothing in the common paths; pattern matchers are compiled once per AST node.
 */
import type { ComparisonNode, ComparisonOperator, ConditionNode, OperandNode } from './ast'
import { compileJavaRegex } from './java-regex'
import { boundedRegexTest } from '../sandbox/regex'
import { compilePathPattern, globMatches, pathPatternMatches, type CompiledPathPattern } from './patterns'

/** Resolves a variable name; undefined (or null) is Apigee's null. */
export type VariableLookup = (name: string) => unknown

/**
 * Results when an operand is null, per reference 8.2 rule 5: [left null, right null, both null].
 * Cells marked "inferred" in the reference are taken as written there.
 */
const NULL_OPERAND_RESULTS: Readonly<Record<ComparisonOperator, readonly [boolean, boolean, boolean]>> = {
  Equals: [false, false, true],
  EqualsCaseInsensitive: [false, false, true],
  StartsWith: [false, false, false],
  NotEquals: [true, true, false],
  GreaterThan: [true, false, false],
  GreaterThanOrEquals: [false, true, true],
  LesserThan: [true, false, false],
  LesserThanOrEquals: [true, false, true],
  Matches: [false, false, false],
  JavaRegex: [false, false, false],
  MatchesPath: [false, false, false],
  NotMatches: [true, false, false]
}

/** Decimal numbers as Java would parse them from a string (no hex, no exponent, no surrounding spaces). */
const NUMERIC_STRING = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/

type CompiledPattern =
  | { kind: 'glob'; pattern: string; negate: boolean }
  | { kind: 'path'; compiled: CompiledPathPattern }
  | { kind: 'regex'; regex: RegExp | null }

const compiledPatterns = new WeakMap<ComparisonNode, CompiledPattern>()

/** Evaluates a condition; never throws (a failing lookup reads as null, anything unexpected as false). */
export function evaluate(ast: ConditionNode, lookup: VariableLookup): boolean {
  try {
    return evaluateNode(ast, lookup)
  } catch {
    return false
  }
}

function evaluateNode(node: ConditionNode, lookup: VariableLookup): boolean {
  switch (node.kind) {
    case 'empty':
      return true
    case 'and': {
      const operands = node.operands
      for (let i = 0; i < operands.length; i++) if (!evaluateNode(operands[i] as ConditionNode, lookup)) return false
      return true
    }
    case 'or': {
      const operands = node.operands
      for (let i = 0; i < operands.length; i++) if (evaluateNode(operands[i] as ConditionNode, lookup)) return true
      return false
    }
    case 'not':
      return !evaluateNode(node.operand, lookup)
    case 'comparison':
      return evaluateComparison(node, lookup)
    default:
      return isTruthy(operandValue(node, lookup))
  }
}

/**
 * A bare operand as a condition: null is false; booleans are themselves; a string is true unless it is
 * empty or "false" (any case); a number is true unless it is 0 or NaN; any other resolved value is true.
 */
export function isTruthy(value: unknown): boolean {
  if (value === undefined || value === null) return false
  switch (typeof value) {
    case 'boolean':
      return value
    case 'string':
      return value.length > 0 && !(value.length === 5 && value.toLowerCase() === 'false')
    case 'number':
      return value !== 0 && !Number.isNaN(value)
    case 'bigint':
      return value !== 0n
    default:
      return true
  }
}

function operandValue(node: OperandNode, lookup: VariableLookup): unknown {
  switch (node.kind) {
    case 'variable':
      return safeLookup(lookup, node.name)
    case 'null':
      return undefined
    default:
      return node.value
  }
}

function safeLookup(lookup: VariableLookup, name: string): unknown {
  try {
    return lookup(name)
  } catch {
    return undefined
  }
}

function evaluateComparison(node: ComparisonNode, lookup: VariableLookup): boolean {
  const left = operandValue(node.left, lookup)
  const right = operandValue(node.right, lookup)
  const leftNull = left === undefined || left === null
  const rightNull = right === undefined || right === null
  if (leftNull || rightNull) {
    const row = NULL_OPERAND_RESULTS[node.operator]
    return leftNull && rightNull ? row[2] : leftNull ? row[0] : row[1]
  }
  if (!isComparable(left) || !isComparable(right)) return false
  switch (node.operator) {
    case 'Equals':
      return compare(left, right) === 0
    case 'NotEquals':
      return compare(left, right) !== 0
    case 'EqualsCaseInsensitive':
      return compare(left, right, true) === 0
    case 'GreaterThan':
      return compare(left, right) > 0
    case 'GreaterThanOrEquals':
      return compare(left, right) >= 0
    case 'LesserThan':
      return compare(left, right) < 0
    case 'LesserThanOrEquals':
      return compare(left, right) <= 0
    case 'StartsWith':
      return asString(left).startsWith(asString(right))
    default:
      return matchPattern(node, asString(left), asString(right))
  }
}

type Comparable = string | number | boolean | bigint

/** Objects (maps, arrays, messages, ...) never compare, per reference 8.2 rule 4. */
function isComparable(value: unknown): value is Comparable {
  const type = typeof value
  return type === 'string' || type === 'number' || type === 'boolean' || type === 'bigint'
}

/** A number when the value is numeric (a number, or a string that reads as a decimal number), else NaN. */
function asNumber(value: Comparable): number {
  switch (typeof value) {
    case 'number':
      return value
    case 'bigint':
      return Number(value)
    case 'string':
      return NUMERIC_STRING.test(value) ? Number(value) : Number.NaN
    default:
      return Number.NaN
  }
}

function isNumeric(value: Comparable): boolean {
  const type = typeof value
  return type === 'number' || type === 'bigint' || (type === 'string' && NUMERIC_STRING.test(value as string))
}

/** `true`/`false` for a boolean or a "true"/"false" string (any case); undefined otherwise. */
function asBoolean(value: Comparable): boolean | undefined {
  if (typeof value === 'boolean') return value
  if (typeof value === 'string' && (value.length === 4 || value.length === 5)) {
    const lower = value.toLowerCase()
    if (lower === 'true') return true
    if (lower === 'false') return false
  }
  return undefined
}

function asString(value: Comparable): string {
  return typeof value === 'string' ? value : String(value)
}

/**
 * Orders two resolved operands after coercion to a common type: numbers when both are numeric,
 * booleans when one is a boolean and the other a boolean or "true"/"false", strings otherwise.
 * NaN means unordered (a NaN number): every ordering and equality test is then false, except `!=`.
 */
function compare(left: Comparable, right: Comparable, ignoreCase = false): number {
  if (isNumeric(left) && isNumeric(right)) {
    const a = asNumber(left)
    const b = asNumber(right)
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.NaN
    return a === b ? 0 : a < b ? -1 : 1
  }
  if (typeof left === 'boolean' || typeof right === 'boolean') {
    const a = asBoolean(left)
    const b = asBoolean(right)
    if (a !== undefined && b !== undefined) return a === b ? 0 : a ? 1 : -1
  }
  let a = asString(left)
  let b = asString(right)
  if (ignoreCase && a !== b) {
    if (a.length !== b.length) return a < b ? -1 : 1
    if (a.toUpperCase() === b.toUpperCase() || a.toLowerCase() === b.toLowerCase()) return 0
    a = a.toLowerCase()
    b = b.toLowerCase()
  }
  // UTF-16 code unit order, as Java's String.compareTo.
  return a === b ? 0 : a < b ? -1 : 1
}

function matchPattern(node: ComparisonNode, value: string, pattern: string): boolean {
  let compiled = compiledPatterns.get(node)
  if (compiled === undefined) {
    compiled = compilePattern(node.operator, pattern)
    compiledPatterns.set(node, compiled)
  }
  switch (compiled.kind) {
    case 'glob':
      return globMatches(compiled.pattern, value) !== compiled.negate
    case 'path':
      return pathPatternMatches(compiled.compiled, value)
    case 'regex':
      // A bundle's regex against request data runs bounded: one that does not finish in time is no match.
      return compiled.regex !== null && boundedRegexTest(compiled.regex, value) === true
  }
}

function compilePattern(operator: ComparisonOperator, pattern: string): CompiledPattern {
  switch (operator) {
    case 'MatchesPath':
      return { kind: 'path', compiled: compilePathPattern(pattern) }
    case 'JavaRegex':
      return { kind: 'regex', regex: compileJavaRegex(pattern) }
    default:
      return { kind: 'glob', pattern, negate: operator === 'NotMatches' }
  }
}
