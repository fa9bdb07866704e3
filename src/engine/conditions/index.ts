/**
 * Apigee's condition language (reference section 8): parse once at deployment, evaluate per request.
 * Precedence, loosest first: OR, AND, NOT, comparison; see docs/fidelity.md ("Conditions") for the choices
 * made where Apigee's behaviour is not documented.
 */
import type { ConditionNode, ConditionParseResult } from './ast'
import { evaluate } from './evaluate'
import { compileJavaRegex } from './java-regex'
import { boundedRegexTest } from '../sandbox/regex'
import { parse } from './parser'
import { globMatches, pathMatches } from './patterns'

export type {
  AndNode,
  BooleanLiteralNode,
  ComparisonNode,
  ComparisonOperator,
  ConditionNode,
  ConditionParseError,
  ConditionParseErrorCode,
  ConditionParseResult,
  EmptyConditionNode,
  NotNode,
  NullLiteralNode,
  NumberLiteralNode,
  OperandNode,
  OrNode,
  SourceSpan,
  StringLiteralNode,
  VariableNode
} from './ast'
export { isTruthy } from './evaluate'

/** Parses a condition once (at deployment). Never throws. An empty or whitespace-only condition is always true. */
export function parseCondition(source: string): ConditionParseResult {
  // Callers outside TypeScript (a workspace file, a test double) may pass a non-string; that must not throw either.
  if (typeof source !== 'string') {
    return { ok: false, error: { code: 'unexpected_token', message: 'Condition must be text', position: 0, line: 1, column: 1 } }
  }
  return parse(source)
}

/** Evaluates a parsed condition; `lookup` returns undefined for an unresolved variable (Apigee null). Never throws. */
export function evaluateCondition(ast: ConditionNode, lookup: (name: string) => unknown): boolean {
  return evaluate(ast, lookup)
}

/** Variable names the condition reads, in source order, without duplicates (for traces). */
export function conditionVariables(ast: ConditionNode): string[] {
  const names: string[] = []
  const seen = new Set<string>()
  const visit = (node: ConditionNode): void => {
    switch (node.kind) {
      case 'variable':
        if (!seen.has(node.name)) {
          seen.add(node.name)
          names.push(node.name)
        }
        return
      case 'comparison':
        visit(node.left)
        visit(node.right)
        return
      case 'not':
        visit(node.operand)
        return
      case 'and':
      case 'or':
        for (const operand of node.operands) visit(operand)
        return
      default:
        return
    }
  }
  visit(ast)
  return names
}

/** MatchesPath (~/): `*` one path segment, `**` any number of segments, `%` escapes. */
export function matchesPath(pattern: string, value: string): boolean {
  return pathMatches(pattern, value)
}

/** Matches/Like (~): `*` any run of characters. */
export function matchesGlob(pattern: string, value: string): boolean {
  return globMatches(pattern, value)
}

const javaRegexCache = new Map<string, RegExp | null>()
const JAVA_REGEX_CACHE_LIMIT = 512

/** JavaRegex (~~): whole-string match (Matcher.matches()), Java syntax translated to JS where they differ; an invalid pattern is false, not an exception. */
export function matchesJavaRegex(pattern: string, value: string): boolean {
  let regex = javaRegexCache.get(pattern)
  if (regex === undefined) {
    regex = compileJavaRegex(pattern)
    if (javaRegexCache.size >= JAVA_REGEX_CACHE_LIMIT) javaRegexCache.clear()
    javaRegexCache.set(pattern, regex)
  }
  return regex !== null && boundedRegexTest(regex, value) === true
}
