/**
 * A one-pass, iterative JSON scanner that checks JSONThreatProtection's limits as it reads: no parse tree,
 * no recursion, work linear in the payload, so a hostile body (deep nesting, huge arrays) cannot blow the
 * stack or the heap. It stops at the first violation or syntax error, with the line it happened on.
 */

export interface JsonLimits {
  arrayElementCount: number | null
  containerDepth: number | null
  objectEntryCount: number | null
  objectEntryNameLength: number | null
  stringValueLength: number | null
}

export type JsonViolation =
  | 'Exceeded array element count'
  | 'Exceeded container depth'
  | 'Exceeded object entry count'
  | 'Exceeded object entry name length'
  | 'Exceeded string value length'

export type JsonScanResult =
  | { ok: true }
  | { ok: false; kind: 'limit'; violation: JsonViolation; line: number }
  | { ok: false; kind: 'syntax'; expected: string; line: number }

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const OBJECT = 0
const ARRAY = 1

class Stop {
  constructor(readonly result: JsonScanResult) {}
}

/** Scans `text` against `limits`. */
export function scanJson(text: string, limits: JsonLimits): JsonScanResult {
  let i = 0
  let line = 1
  // One entry per open container: its kind and how many elements/entries it has so far.
  const kinds: number[] = []
  const counts: number[] = []
  type State = 'value' | 'valueOrEnd' | 'key' | 'keyOrEnd' | 'colon' | 'commaOrEnd' | 'done'
  let state = 'value' as State

  const limit = (violation: JsonViolation): never => {
    throw new Stop({ ok: false, kind: 'limit', violation, line })
  }
  const syntax = (expected: string): never => {
    throw new Stop({ ok: false, kind: 'syntax', expected, line })
  }
  const skipSpace = (): void => {
    while (i < text.length) {
      const c = text.charCodeAt(i)
      if (c === 10) line++
      else if (c !== 32 && c !== 9 && c !== 13) return
      i++
    }
  }
  /** Reads a string starting at the opening quote; returns its decoded length in characters. */
  const readString = (): number => {
    i++
    let length = 0
    while (i < text.length) {
      const c = text.charCodeAt(i)
      if (c === 34) {
        i++
        return length
      }
      if (c < 32) syntax("a closing '\"'")
      if (c === 92) {
        const e = text[i + 1]
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) syntax('a valid \\u escape')
          i += 6
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2
        else syntax('a valid escape')
      } else i++
      length++
    }
    return syntax("a closing '\"'")
  }
  const afterValue = (): void => {
    state = kinds.length === 0 ? 'done' : 'commaOrEnd'
  }
  const open = (kind: number): void => {
    kinds.push(kind)
    counts.push(0)
    if (limits.containerDepth !== null && kinds.length > limits.containerDepth) limit('Exceeded container depth')
    i++
    state = kind === OBJECT ? 'keyOrEnd' : 'valueOrEnd'
  }
  const close = (): void => {
    kinds.pop()
    counts.pop()
    i++
    afterValue()
  }
  const value = (c: string): void => {
    const top = kinds.length - 1
    if (top >= 0 && kinds[top] === ARRAY) {
      const n = ++counts[top]!
      if (limits.arrayElementCount !== null && n > limits.arrayElementCount) limit('Exceeded array element count')
    }
    if (c === '{') return open(OBJECT)
    if (c === '[') return open(ARRAY)
    if (c === '"') {
      const length = readString()
      if (limits.stringValueLength !== null && length > limits.stringValueLength) limit('Exceeded string value length')
      return afterValue()
    }
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, i)) {
        i += literal.length
        return afterValue()
      }
    }
    NUMBER.lastIndex = i
    if (NUMBER.exec(text) && NUMBER.lastIndex > i) {
      i = NUMBER.lastIndex
      return afterValue()
    }
    syntax('a value')
  }

  try {
    for (;;) {
      skipSpace()
      if (i >= text.length) {
        if (state === 'done') return { ok: true }
        syntax(state === 'commaOrEnd' ? (kinds[kinds.length - 1] === OBJECT ? "a ',' or '}'" : "a ',' or ']'") : 'more input')
      }
      const c = text[i]!
      switch (state) {
        case 'done':
          syntax('the end of the input')
          break
        case 'valueOrEnd':
          if (c === ']') close()
          else value(c)
          break
        case 'value':
          value(c)
          break
        case 'keyOrEnd':
        case 'key': {
          if (c === '}' && state === 'keyOrEnd') {
            close()
            break
          }
          if (c !== '"') syntax('a quoted entry name')
          const top = kinds.length - 1
          const n = ++counts[top]!
          if (limits.objectEntryCount !== null && n > limits.objectEntryCount) limit('Exceeded object entry count')
          const nameLength = readString()
          if (limits.objectEntryNameLength !== null && nameLength > limits.objectEntryNameLength) limit('Exceeded object entry name length')
          state = 'colon'
          break
        }
        case 'colon':
          if (c !== ':') syntax("a ':'")
          i++
          state = 'value'
          break
        case 'commaOrEnd': {
          const inObject = kinds[kinds.length - 1] === OBJECT
          if (c === ',') {
            i++
            state = inObject ? 'key' : 'value'
          } else if (c === (inObject ? '}' : ']')) close()
          else syntax(inObject ? "a ',' or '}'" : "a ',' or ']'")
          break
        }
      }
    }
  } catch (e) {
    if (e instanceof Stop) return e.result
    throw e
  }
}
