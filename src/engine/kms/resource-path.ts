/**
 * Apigee's API-product resource-path patterns (reference 4.3), matched against proxy.pathsuffix.
 * Recipe from Apigee's own apigee-remote-service-golib: `/` = everything (including the bare base
 * path), `**` only as a suffix (anything below), `*` = one path segment, everything else literal.
 */

import { LinearPattern } from '../sandbox'

/** A compiled pattern: whole-string test of proxy.pathsuffix. */
type Matcher = { test(pathsuffix: string): boolean }

const compiled = new Map<string, Matcher | null>()

function compile(pattern: string): Matcher | null {
  if (pattern === '/') return /^.*$/s
  let body = pattern
  let anyDepth = false
  if (body.endsWith('**')) {
    body = body.slice(0, -2)
    anyDepth = true
  }
  // `**` anywhere but at the end is rejected by Apigee's management API; such a pattern matches nothing.
  if (body.includes('**')) return null
  const parts = body.split('*')
  const literal = parts.map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')
  // Two or more `*` (`/*a*a*a*b`) backtrack polynomially in a RegExp (seconds on a 200-character path): RE2 is
  // linear. One `*` cannot blow up, and common patterns keep V8's faster RegExp.
  if (parts.length > 2) {
    const linear = new LinearPattern(`${literal}${anyDepth ? '.*' : ''}`, { ignoreCase: false, dotAll: true })
    return { test: (pathsuffix) => linear.match(pathsuffix) !== null }
  }
  return new RegExp(`^${literal}${anyDepth ? '.*' : ''}$`, 's')
}

/** Whether a resource pattern can ever match (false for `**` in the middle, which Apigee rejects). */
export function isValidResourcePattern(pattern: string): boolean {
  return compile(pattern) !== null
}

/** Apigee resource-path pattern semantics ('/', '/*', '/**', '/a/*', '/a/**') against proxy.pathsuffix. */
export function matchesResourcePath(pattern: string, pathsuffix: string): boolean {
  let re = compiled.get(pattern)
  if (re === undefined) {
    re = compile(pattern)
    if (compiled.size > 5000) compiled.clear()
    compiled.set(pattern, re)
  }
  return re !== null && re.test(pathsuffix)
}
