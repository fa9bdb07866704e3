/**
 * Tokenizer for the condition language. Word operators are recognised by whole-word,
 * case-insensitive lookup, so `request.notequals` stays one variable name while `NotEquals` is an operator.
 */
import type { ComparisonOperator, ConditionParseErrorCode } from './ast'

export type Token =
  | { type: 'lparen' | 'rparen' | 'and' | 'or' | 'not' | 'eof'; start: number; end: number; text: string }
  | { type: 'comparison'; operator: ComparisonOperator; start: number; end: number; text: string }
  | { type: 'string'; value: string; start: number; end: number; text: string }
  | {
      type: 'number'
      value: number
      numberType: 'int' | 'long' | 'float' | 'double'
      start: number
      end: number
      text: string
    }
  | { type: 'name'; start: number; end: number; text: string }

export interface LexError {
  code: ConditionParseErrorCode
  message: string
  position: number
}

const WORD_COMPARISONS: ReadonlyMap<string, ComparisonOperator> = new Map<string, ComparisonOperator>([
  ['equals', 'Equals'],
  ['is', 'Equals'],
  ['notequals', 'NotEquals'],
  ['isnot', 'NotEquals'],
  ['equalscaseinsensitive', 'EqualsCaseInsensitive'],
  ['greaterthan', 'GreaterThan'],
  ['greaterthanorequals', 'GreaterThanOrEquals'],
  ['lesserthan', 'LesserThan'],
  ['lesserthanorequals', 'LesserThanOrEquals'],
  ['startswith', 'StartsWith'],
  ['matches', 'Matches'],
  ['like', 'Matches'],
  ['javaregex', 'JavaRegex'],
  ['matchespath', 'MatchesPath'],
  ['likepath', 'MatchesPath']
])

// Longest symbols first: `~~` and `~/` before `~`, `=|` and `==` before `=`.
const SYMBOL_COMPARISONS: ReadonlyArray<readonly [string, ComparisonOperator]> = [
  ['~~', 'JavaRegex'],
  ['~/', 'MatchesPath'],
  ['!~', 'NotMatches'],
  ['!=', 'NotEquals'],
  [':=', 'EqualsCaseInsensitive'],
  ['=|', 'StartsWith'],
  ['==', 'Equals'],
  ['>=', 'GreaterThanOrEquals'],
  ['<=', 'LesserThanOrEquals'],
  ['=', 'Equals'],
  ['>', 'GreaterThan'],
  ['<', 'LesserThan'],
  ['~', 'Matches']
]

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57
}
/** Characters that may continue a variable name: letters, digits, `-`, `_`, `.`. */
function isNameChar(c: number): boolean {
  return isLetter(c) || isDigit(c) || c === 45 || c === 95 || c === 46
}
function isWhitespace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11 || c === 0xa0 || c === 0xfeff
}

/** Splits a condition into tokens; the last token is always `eof`. Returns a LexError instead of throwing. */
export function tokenize(source: string): Token[] | LexError {
  const tokens: Token[] = []
  const length = source.length
  let i = 0
  scan: while (i < length) {
    const c = source.charCodeAt(i)
    if (isWhitespace(c)) {
      i++
      continue
    }
    const start = i
    if (c === 40 /* ( */ || c === 41 /* ) */) {
      tokens.push({ type: c === 40 ? 'lparen' : 'rparen', start, end: i + 1, text: source[i] as string })
      i++
      continue
    }
    if (source.startsWith('&&', i)) {
      tokens.push({ type: 'and', start, end: i + 2, text: '&&' })
      i += 2
      continue
    }
    if (source.startsWith('||', i)) {
      tokens.push({ type: 'or', start, end: i + 2, text: '||' })
      i += 2
      continue
    }
    for (const [symbol, operator] of SYMBOL_COMPARISONS) {
      if (source.startsWith(symbol, i)) {
        tokens.push({ type: 'comparison', operator, start, end: i + symbol.length, text: symbol })
        i += symbol.length
        continue scan
      }
    }
    if (c === 33 /* ! */) {
      tokens.push({ type: 'not', start, end: i + 1, text: '!' })
      i++
      continue
    }
    if (c === 34 /* " */) {
      const result = readString(source, i)
      if ('code' in result) return result
      tokens.push(result)
      i = result.end
      continue
    }
    if (isDigit(c) || ((c === 45 || c === 46) && isNumberStart(source, i))) {
      const result = readNumber(source, i)
      if ('code' in result) return result
      tokens.push(result)
      i = result.end
      continue
    }
    if (isLetter(c)) {
      while (i < length && isNameChar(source.charCodeAt(i))) i++
      const text = source.slice(start, i)
      const lower = text.toLowerCase()
      const operator = WORD_COMPARISONS.get(lower)
      if (operator !== undefined) tokens.push({ type: 'comparison', operator, start, end: i, text })
      else if (lower === 'and') tokens.push({ type: 'and', start, end: i, text })
      else if (lower === 'or') tokens.push({ type: 'or', start, end: i, text })
      else if (lower === 'not') tokens.push({ type: 'not', start, end: i, text })
      else tokens.push({ type: 'name', start, end: i, text })
      continue
    }
    return { code: 'unexpected_character', message: describeUnexpectedCharacter(source, i), position: i }
  }
  tokens.push({ type: 'eof', start: length, end: length, text: '' })
  return tokens
}

function isNumberStart(source: string, i: number): boolean {
  let j = i
  if (source.charCodeAt(j) === 45) j++
  if (source.charCodeAt(j) === 46) j++
  return isDigit(source.charCodeAt(j))
}

function readString(source: string, open: number): Token | LexError {
  let value = ''
  let i = open + 1
  let runStart = i
  while (i < source.length) {
    const c = source.charCodeAt(i)
    if (c === 34) {
      value += source.slice(runStart, i)
      return { type: 'string', value, start: open, end: i + 1, text: source.slice(open, i + 1) }
    }
    if (c === 92 /* \ */) {
      const next = source.charCodeAt(i + 1)
      // Only \" and \\ are escapes; any other backslash stays, so regex patterns like "\d+" read as written.
      if (next === 34 || next === 92) {
        value += source.slice(runStart, i) + (next === 34 ? '"' : '\\')
        i += 2
        runStart = i
        continue
      }
    }
    i++
  }
  return {
    code: 'unterminated_string',
    message: `Unterminated string: expected a closing " for the string that starts at ${where(source, open)}`,
    position: open
  }
}

function readNumber(source: string, start: number): Token | LexError {
  let i = start
  if (source.charCodeAt(i) === 45) i++
  while (isDigit(source.charCodeAt(i))) i++
  let hasFraction = false
  if (source.charCodeAt(i) === 46 && isDigit(source.charCodeAt(i + 1))) {
    hasFraction = true
    i++
    while (isDigit(source.charCodeAt(i))) i++
  }
  const digitsEnd = i
  let numberType: 'int' | 'long' | 'float' | 'double' = hasFraction ? 'double' : 'int'
  const suffix = source[i]
  if (suffix === 'l' || suffix === 'L') {
    if (hasFraction) {
      return {
        code: 'invalid_number',
        message: `Invalid number at ${where(source, start)}: a long (l/L) literal cannot have a fraction`,
        position: start
      }
    }
    numberType = 'long'
    i++
  } else if (suffix === 'f' || suffix === 'F') {
    numberType = 'float'
    i++
  } else if (suffix === 'd' || suffix === 'D') {
    numberType = 'double'
    i++
  }
  if (i < source.length && isNameChar(source.charCodeAt(i))) {
    return {
      code: 'invalid_number',
      message: `Invalid number at ${where(source, start)}: expected whitespace, an operator or ")" after "${source.slice(start, i)}" but found "${source[i]}" (variable names start with a letter)`,
      position: i
    }
  }
  const text = source.slice(start, i)
  return { type: 'number', value: Number(source.slice(start, digitsEnd)), numberType, start, end: i, text }
}

function describeUnexpectedCharacter(source: string, i: number): string {
  const ch = source[i] as string
  const shown = JSON.stringify(ch)
  let hint = ''
  if (ch === "'") hint = '; strings are written in double quotes'
  else if (ch === '&') hint = '; did you mean "&&" or "and"?'
  else if (ch === '|') hint = '; did you mean "||" or "or"?'
  else if (ch === '_' || ch === '$') hint = '; variable names start with a letter'
  return `Unexpected character ${shown} at ${where(source, i)}: expected a variable, a literal, an operator or a parenthesis${hint}`
}

/** 1-based line and column of a 0-based offset. */
export function lineAndColumn(source: string, position: number): { line: number; column: number } {
  let line = 1
  let lineStart = 0
  const limit = Math.min(position, source.length)
  for (let i = 0; i < limit; i++) {
    const c = source.charCodeAt(i)
    if (c === 10 || (c === 13 && source.charCodeAt(i + 1) !== 10)) {
      line++
      lineStart = i + 1
    }
  }
  return { line, column: position - lineStart + 1 }
}

/** "line 1, column 5" for messages. */
export function where(source: string, position: number): string {
  const { line, column } = lineAndColumn(source, position)
  return `line ${line}, column ${column}`
}
