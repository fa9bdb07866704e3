/**
 * The condition AST. Every node carries `start`/`end`, 0-based UTF-16 offsets into the source
 * (end exclusive), so traces and the editor can underline exactly what was evaluated.
 */

/** A 0-based, end-exclusive range of the condition source. */
export interface SourceSpan {
  start: number
  end: number
}

/** Comparison operators, named after their canonical Apigee word form. */
export type ComparisonOperator =
  | 'Equals'
  | 'NotEquals'
  | 'EqualsCaseInsensitive'
  | 'GreaterThan'
  | 'GreaterThanOrEquals'
  | 'LesserThan'
  | 'LesserThanOrEquals'
  | 'StartsWith'
  | 'Matches'
  | 'NotMatches'
  | 'JavaRegex'
  | 'MatchesPath'

/** A flow variable reference; unresolved at runtime means Apigee null. */
export interface VariableNode extends SourceSpan {
  kind: 'variable'
  name: string
}

/** A double-quoted string literal, with `\"` and `\\` already unescaped. */
export interface StringLiteralNode extends SourceSpan {
  kind: 'string'
  value: string
}

/** Java-style numeric literal: int unless suffixed l/L (long), f/F (float), d/D (double). */
export interface NumberLiteralNode extends SourceSpan {
  kind: 'number'
  value: number
  numberType: 'int' | 'long' | 'float' | 'double'
  /** The literal as written, suffix included. */
  raw: string
}

export interface BooleanLiteralNode extends SourceSpan {
  kind: 'boolean'
  value: boolean
}

export interface NullLiteralNode extends SourceSpan {
  kind: 'null'
}

/** Anything that can stand on either side of a comparison, or alone as a truth test. */
export type OperandNode = VariableNode | StringLiteralNode | NumberLiteralNode | BooleanLiteralNode | NullLiteralNode

/** `left <op> right`. `operatorText` is the operator as written (`=`, `Equals`, `is`, ...). */
export interface ComparisonNode extends SourceSpan {
  kind: 'comparison'
  operator: ComparisonOperator
  operatorText: string
  operatorStart: number
  left: OperandNode
  right: OperandNode
}

/** `!x` / `not x`. */
export interface NotNode extends SourceSpan {
  kind: 'not'
  operand: ConditionNode
}

/** `a && b && c`: n-ary (two or more operands) so long chains never nest deeply. */
export interface AndNode extends SourceSpan {
  kind: 'and'
  operands: ConditionNode[]
}

/** `a || b || c`: n-ary (two or more operands). */
export interface OrNode extends SourceSpan {
  kind: 'or'
  operands: ConditionNode[]
}

/** A condition that is empty or whitespace only (`<Condition/>`): always true, as on Apigee. */
export interface EmptyConditionNode extends SourceSpan {
  kind: 'empty'
}

/** A parsed condition. A bare operand is a truth test (see evaluate.ts for what counts as true). */
export type ConditionNode = OperandNode | ComparisonNode | NotNode | AndNode | OrNode | EmptyConditionNode

/** Stable codes for parse errors; switch on these, never on the message. */
export type ConditionParseErrorCode =
  | 'unexpected_character'
  | 'unterminated_string'
  | 'invalid_number'
  | 'unexpected_token'
  | 'unexpected_end'
  | 'operand_not_allowed'
  | 'nesting_too_deep'

/** Where and why a condition does not parse. `line` and `column` are 1-based; `position` is a 0-based offset. */
export interface ConditionParseError {
  code: ConditionParseErrorCode
  message: string
  position: number
  line: number
  column: number
}

export type ConditionParseResult = { ok: true; ast: ConditionNode } | { ok: false; error: ConditionParseError }
