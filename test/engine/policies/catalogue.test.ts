import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { policyHandlers } from '../../../src/engine/policies'
import { unsupportedPolicyTypes } from '../../../src/engine/policies/catalogue'

/** The rows of the table at the top of docs/policies.md: XML root -> state. */
function documentedStates(): Map<string, string> {
  const doc = readFileSync(new URL('../../../docs/policies.md', import.meta.url), 'utf8')
  const rows = new Map<string, string>()
  for (const match of doc.matchAll(/^\| [^|]+ \| `([A-Za-z0-9]+)` \| ([^|]+) \|/gm)) rows.set(match[1]!, match[2]!.trim())
  return rows
}

const STATE = {
  implemented: 'implemented',
  desktop: 'deploys with a warning (cannot run on a desktop)',
  'not-implemented': 'deploys with a warning (not implemented yet)'
}

describe('docs/policies.md lists every Apigee policy type with its state', () => {
  const documented = documentedStates()

  test('every type with a handler is documented as implemented', () => {
    for (const type of policyHandlers.keys()) expect([type, documented.get(type)]).toEqual([type, STATE.implemented])
  })

  test('every type without a handler is documented with the reason it cannot run', () => {
    for (const [type, reason] of unsupportedPolicyTypes) expect([type, documented.get(type)]).toEqual([type, STATE[reason]])
  })

  test('no documented type is missing from the handlers and the catalogue, and none is in both', () => {
    expect(documented.size).toBeGreaterThan(60)
    for (const type of documented.keys()) expect([type, policyHandlers.has(type) !== unsupportedPolicyTypes.has(type)]).toEqual([type, true])
  })
})
