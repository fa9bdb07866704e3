/**
 * Matches (`~`) and MatchesPath (`~/`) globs. Both are case-sensitive (reference 8.2 rule 7).
 * Matching walks the strings with the classic star-backtracking algorithm: linear in practice,
 * no regex, no allocation for Matches.
 */

const STAR = 42 // '*'
const PERCENT = 37 // '%'

/** Matches/Like (`~`): `*` stands for any run of characters (also none); everything else is literal. */
export function globMatches(pattern: string, value: string): boolean {
  const patternLength = pattern.length
  const valueLength = value.length
  let p = 0
  let v = 0
  let starAt = -1
  let resumeAt = 0
  while (v < valueLength) {
    const pc = p < patternLength ? pattern.charCodeAt(p) : -1
    if (pc === STAR) {
      starAt = p++
      resumeAt = v
    } else if (pc !== -1 && pc === value.charCodeAt(v)) {
      p++
      v++
    } else if (starAt !== -1) {
      p = starAt + 1
      v = ++resumeAt
    } else {
      return false
    }
  }
  while (p < patternLength && pattern.charCodeAt(p) === STAR) p++
  return p === patternLength
}

/**
 * One segment of a MatchesPath pattern: `anySegments` for a whole-segment `**`, otherwise the literal
 * pieces between single-segment `*` wildcards (escapes already resolved).
 */
export type PathSegmentMatcher = { anySegments: true } | { anySegments: false; pieces: string[] }

/** A compiled MatchesPath pattern. */
export interface CompiledPathPattern {
  segments: PathSegmentMatcher[]
}

/** Compiles a MatchesPath pattern: `/` separates segments, `%x` is a literal `x` (so `%*` is a literal star). */
export function compilePathPattern(pattern: string): CompiledPathPattern {
  const segments: PathSegmentMatcher[] = []
  let pieces: string[] = []
  let piece = ''
  let starsOnly = true
  let starCount = 0
  const finishSegment = (): void => {
    pieces.push(piece)
    if (starsOnly && starCount === 2) segments.push({ anySegments: true })
    else segments.push({ anySegments: false, pieces })
    pieces = []
    piece = ''
    starsOnly = true
    starCount = 0
  }
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charCodeAt(i)
    if (c === PERCENT && i + 1 < pattern.length) {
      piece += pattern[++i]
      starsOnly = false
    } else if (c === STAR) {
      pieces.push(piece)
      piece = ''
      starCount++
    } else if (c === 47 /* / */) {
      finishSegment()
    } else {
      piece += pattern[i]
      starsOnly = false
    }
  }
  finishSegment()
  return { segments }
}

function segmentMatches(pieces: string[], value: string): boolean {
  const count = pieces.length
  const first = pieces[0] as string
  if (count === 1) return value === first
  const last = pieces[count - 1] as string
  if (value.length < first.length + last.length) return false
  if (!value.startsWith(first) || !value.endsWith(last)) return false
  let position = first.length
  const limit = value.length - last.length
  for (let i = 1; i < count - 1; i++) {
    const middle = pieces[i] as string
    if (middle.length === 0) continue
    const found = value.indexOf(middle, position)
    if (found === -1 || found + middle.length > limit) return false
    position = found + middle.length
  }
  return true
}

/** Runs a compiled MatchesPath pattern against a path. */
export function pathPatternMatches(compiled: CompiledPathPattern, value: string): boolean {
  const patternSegments = compiled.segments
  const valueSegments = value.split('/')
  const patternCount = patternSegments.length
  const valueCount = valueSegments.length
  let p = 0
  let v = 0
  let anyAt = -1
  let resumeAt = 0
  while (v < valueCount) {
    const segment = p < patternCount ? patternSegments[p] : undefined
    if (segment !== undefined && segment.anySegments) {
      anyAt = p++
      resumeAt = v
    } else if (segment !== undefined && segmentMatches(segment.pieces, valueSegments[v] as string)) {
      p++
      v++
    } else if (anyAt !== -1) {
      p = anyAt + 1
      v = ++resumeAt
    } else {
      return false
    }
  }
  while (p < patternCount && (patternSegments[p] as PathSegmentMatcher).anySegments) p++
  return p === patternCount
}

const compiledPathPatterns = new Map<string, CompiledPathPattern>()
const PATH_PATTERN_CACHE_LIMIT = 512

/** MatchesPath for a pattern given as a string; compiled patterns are cached (bounded). */
export function pathMatches(pattern: string, value: string): boolean {
  let compiled = compiledPathPatterns.get(pattern)
  if (compiled === undefined) {
    compiled = compilePathPattern(pattern)
    if (compiledPathPatterns.size >= PATH_PATTERN_CACHE_LIMIT) compiledPathPatterns.clear()
    compiledPathPatterns.set(pattern, compiled)
  }
  return pathPatternMatches(compiled, value)
}
