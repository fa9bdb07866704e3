/** Whole-workspace validation: zod shape, then references and uniqueness; the result is in canonical order. */
import { ConsoleError, validationError } from '../../shared/contract'
import { workspaceIssues, workspaceSchema, type Workspace } from '../../shared/model'

const sortedRecord = (record: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))

/**
 * Parses `raw` as a workspace and checks it as a whole. Throws ConsoleError: `validation` for a bad field
 * or a reference to a missing entity, `conflict` for a duplicate name, key, port or base path.
 * Object keys come out in schema order and map-like fields (endpoints, policies, resources) sorted by
 * name, so the saved file is stable and diffs well in git.
 */
export function validateWorkspace(raw: unknown, what = 'workspace', prefix = ''): Workspace {
  const parsed = workspaceSchema.safeParse(raw)
  if (!parsed.success) throw validationError(parsed.error, what, prefix)
  const ws = parsed.data
  for (const proxy of ws.proxies) {
    proxy.proxyEndpoints = sortedRecord(proxy.proxyEndpoints)
    proxy.targetEndpoints = sortedRecord(proxy.targetEndpoints)
    proxy.policies = sortedRecord(proxy.policies)
    proxy.resources = sortedRecord(proxy.resources)
  }
  const issues = workspaceIssues(ws)
  if (issues.length > 0) {
    const first = issues[0]!
    throw new ConsoleError(
      first.kind === 'duplicate' ? 'conflict' : 'validation',
      issues.map((i) => i.message).join('; '),
      issues.map((i) => ({ field: [prefix, i.field].filter(Boolean).join('.'), message: i.message }))
    )
  }
  return ws
}

/** Freezes a value and everything inside it, so a shared workspace cannot be changed behind the store's back. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const inner of Object.values(value)) deepFreeze(inner)
  }
  return value
}
