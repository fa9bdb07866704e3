/**
 * Pure helpers of the trace viewer: list filters, the phase lanes of the transaction map, the
 * flow variables replayed up to a step, message bodies and the curl line to repeat a request.
 * Kept free of Vue so they are unit-tested and cheap to run over thousands of summaries.
 */
import type { HeaderList, MessageSnapshot, TracePhase, TraceRecord, TraceStep, TraceSummary } from '@shared/trace'

export type StatusClass = '2xx' | '3xx' | '4xx' | '5xx'
export const statusClasses: StatusClass[] = ['2xx', '3xx', '4xx', '5xx']

/** `401` -> `4xx`; informational and odd codes fold into the nearest class a user filters by. */
export function statusClassOf(status: number): StatusClass {
  if (status >= 500) return '5xx'
  if (status >= 400) return '4xx'
  if (status >= 300) return '3xx'
  return '2xx'
}

export interface TraceFilters {
  environments: string[]
  proxies: string[]
  apps: string[]
  statusClasses: StatusClass[]
  faults: string[]
  text: string
}

export const NO_PROXY = '(no proxy)'
export const NO_APP = '(no app)'
export const NO_FAULT = '(no fault)'

export function emptyFilters(): TraceFilters {
  return { environments: [], proxies: [], apps: [], statusClasses: [], faults: [], text: '' }
}

/** Whether any filter narrows the list. */
export function filtersActive(f: TraceFilters): boolean {
  return f.environments.length + f.proxies.length + f.apps.length + f.statusClasses.length + f.faults.length > 0 || f.text.trim() !== ''
}

/**
 * Summaries that pass every filter (an empty filter lets everything through). The text search
 * matches, case-insensitively, the path, method, status, proxy, app, client id, fault and id.
 */
export function filterTraces(list: readonly TraceSummary[], f: TraceFilters): TraceSummary[] {
  const envs = f.environments.length ? new Set(f.environments) : null
  const proxies = f.proxies.length ? new Set(f.proxies) : null
  const apps = f.apps.length ? new Set(f.apps) : null
  const classes = f.statusClasses.length ? new Set(f.statusClasses) : null
  const faults = f.faults.length ? new Set(f.faults) : null
  const words = f.text.trim().toLowerCase().split(/\s+/).filter(Boolean)
  const out: TraceSummary[] = []
  for (const t of list) {
    if (envs && !envs.has(t.environment)) continue
    if (proxies && !proxies.has(t.proxy ?? NO_PROXY)) continue
    if (apps && !apps.has(t.app ?? NO_APP)) continue
    if (classes && !classes.has(statusClassOf(t.status))) continue
    if (faults && !faults.has(t.faultName ?? NO_FAULT)) continue
    if (words.length) {
      const hay = `${t.method} ${t.path} ${t.status} ${t.proxy ?? ''} ${t.app ?? ''} ${t.clientId ?? ''} ${t.faultName ?? ''} ${t.environment} ${t.id}`.toLowerCase()
      if (!words.every((w) => hay.includes(w))) continue
    }
    out.push(t)
  }
  return out
}

/** The distinct values the filters offer, sorted, with the "none" markers where some trace lacks one. */
export function filterOptions(list: readonly TraceSummary[]): { environments: string[]; proxies: string[]; apps: string[]; faults: string[] } {
  const envs = new Set<string>()
  const proxies = new Set<string>()
  const apps = new Set<string>()
  const faults = new Set<string>()
  for (const t of list) {
    envs.add(t.environment)
    proxies.add(t.proxy ?? NO_PROXY)
    apps.add(t.app ?? NO_APP)
    faults.add(t.faultName ?? NO_FAULT)
  }
  const sorted = (s: Set<string>) => [...s].sort((a, b) => (a.startsWith('(') ? 1 : b.startsWith('(') ? -1 : a.localeCompare(b)))
  return { environments: sorted(envs), proxies: sorted(proxies), apps: sorted(apps), faults: sorted(faults) }
}

/**
 * Merges newly pushed summaries into a newest-first list, dropping ids already present and
 * keeping at most `keep`. The common case (all newer than the head) avoids a sort.
 */
export function mergeSummaries(current: readonly TraceSummary[], incoming: readonly TraceSummary[], keep: number): TraceSummary[] {
  if (!incoming.length) return current.slice(0, keep)
  const known = new Set(current.map((t) => t.id))
  const fresh: TraceSummary[] = []
  for (const t of incoming) {
    if (known.has(t.id)) continue
    known.add(t.id)
    fresh.push(t)
  }
  if (!fresh.length) return current.slice(0, keep)
  fresh.sort((a, b) => b.startedAt - a.startedAt)
  const head = current[0]
  const last = fresh[fresh.length - 1]!
  if (!head || last.startedAt >= head.startedAt) return [...fresh, ...current].slice(0, keep)
  return [...fresh, ...current].sort((a, b) => b.startedAt - a.startedAt).slice(0, keep)
}

/** The lanes of the transaction map, in the order a request travels. */
export type LaneId = 'proxy-request' | 'target' | 'proxy-response' | 'error'
export const lanes: Array<{ id: LaneId; title: string; phases: TracePhase[] }> = [
  { id: 'proxy-request', title: 'Proxy request', phases: ['proxy-request'] },
  { id: 'target', title: 'Target', phases: ['target-request', 'target', 'target-response'] },
  { id: 'proxy-response', title: 'Proxy response', phases: ['proxy-response', 'post-client'] },
  { id: 'error', title: 'Error flow', phases: ['error'] }
]

export function laneOf(phase: TracePhase): LaneId {
  return lanes.find((l) => l.phases.includes(phase))?.id ?? 'proxy-request'
}

/** Steps grouped by lane, each lane in step order; every lane is present (empty lanes show "not reached"). */
export function stepsByLane(steps: readonly TraceStep[]): Record<LaneId, TraceStep[]> {
  const out: Record<LaneId, TraceStep[]> = { 'proxy-request': [], target: [], 'proxy-response': [], error: [] }
  for (const s of steps) out[laneOf(s.phase)].push(s)
  return out
}

/**
 * What an empty lane of the transaction map means: skipped because a fault ended the flow
 * earlier, passed through without policies, or (error flow) no fault at all.
 */
export function emptyLaneNote(lane: LaneId, steps: readonly TraceStep[], failed: boolean): string {
  if (lane === 'error') return failed ? 'no fault rule ran: the default fault response was sent' : 'no fault'
  const order: LaneId[] = ['proxy-request', 'target', 'proxy-response']
  const failing = steps.find((s) => s.error && !s.continueOnError)
  const failedAt = failing ? order.indexOf(laneOf(failing.phase)) : -1
  if (failedAt >= 0 && order.indexOf(lane) > failedAt) return 'not reached: the fault ended the flow earlier'
  if (failed && failedAt < 0 && lane !== 'proxy-request') return 'not reached'
  if (lane === 'target') return 'no target call (null route)'
  return 'passed through, no policies'
}

/** How a step ended, for its colour and icon. */
export type StepOutcome = 'ok' | 'skipped' | 'error' | 'error-continued'
export function stepOutcome(step: TraceStep): StepOutcome {
  if (step.error) return step.continueOnError ? 'error-continued' : 'error'
  if (!step.executed) return 'skipped'
  return 'ok'
}

/** A step's short name: the policy, else the flow, else its description. */
export function stepTitle(step: TraceStep): string {
  if (step.policy) return step.policy
  if (step.kind === 'route') return 'Route'
  if (step.kind === 'target') return 'Target'
  if (step.kind === 'flow' && step.flow) return step.flow.replace(/^Flow:/, '')
  return step.flow ?? step.description ?? step.kind
}

export interface VariableRow {
  name: string
  value: string | null
  /** Value before this step changed it (undefined when the step did not write it). */
  previous?: string | null
  /** Written by the selected step. */
  changed: boolean
  /** Read by the selected step. */
  read: boolean
  /** Index of the step that last wrote it; -1 when only seen through a read. */
  writtenAt: number
}

/**
 * The flow variables known at step `index`: every value read so far (a read shows the value at
 * that moment) overlaid with every write up to and including the step, in step order. Variables
 * the selected step wrote are flagged `changed` with their previous value; ones it read, `read`.
 */
export function variablesAt(steps: readonly TraceStep[], index: number): VariableRow[] {
  const rows = new Map<string, VariableRow>()
  for (const step of steps) {
    if (step.index > index) break
    const selected = step.index === index
    for (const r of step.reads) {
      const row = rows.get(r.name)
      if (!row) rows.set(r.name, { name: r.name, value: r.value, changed: false, read: selected, writtenAt: -1 })
      else if (selected) row.read = true
    }
    for (const w of step.writes) {
      const row = rows.get(w.name)
      const previous = selected ? (row && row.changed ? row.previous : w.previous !== undefined ? w.previous : row ? row.value : null) : undefined
      rows.set(w.name, { name: w.name, value: w.value, previous, changed: selected, read: row?.read ?? false, writtenAt: step.index })
    }
  }
  // A variable the step rewrote with the value it already had did not change.
  for (const row of rows.values()) if (row.changed && row.previous === row.value) row.changed = false
  return [...rows.values()].sort((a, b) => Number(b.changed) - Number(a.changed) || a.name.localeCompare(b.name))
}

/** Header value by name, case-insensitively (first occurrence). */
export function headerValue(headers: HeaderList, name: string): string | undefined {
  const lower = name.toLowerCase()
  return headers.find(([n]) => n.toLowerCase() === lower)?.[1]
}

/** The bearer token of an Authorization header, if any. */
export function bearerToken(headers: HeaderList): string | undefined {
  const value = headerValue(headers, 'authorization')
  const match = value ? /^Bearer\s+(\S+)\s*$/i.exec(value) : null
  return match?.[1]
}

/** A body for display: JSON indented when it parses, form bodies one pair per line, else as is. */
export function prettyBody(message: Pick<MessageSnapshot, 'body' | 'headers'>): { text: string; language: 'json' | 'form' | 'text' } {
  const body = message.body
  if (!body) return { text: '', language: 'text' }
  const type = (headerValue(message.headers, 'content-type') ?? '').toLowerCase()
  const trimmed = body.trim()
  if (type.includes('json') || trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return { text: JSON.stringify(JSON.parse(trimmed), null, 2), language: 'json' }
    } catch {
      // Not valid JSON (perhaps cut at the trace limit): show it as it was.
    }
  }
  if (type.includes('x-www-form-urlencoded')) {
    return { text: body.split('&').map((pair) => pair.split('=').map((p) => safeDecode(p)).join(' = ')).join('\n'), language: 'form' }
  }
  return { text: body, language: 'text' }
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '))
  } catch {
    return part
  }
}

const hopHeaders = new Set(['host', 'content-length', 'connection', 'user-agent', 'accept-encoding', 'x-request-id'])

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`
}

/**
 * A curl command that repeats the request against the environment's gateway. Traces mask
 * secrets (`Bearer abcd********`), so masked values become a placeholder the user fills in.
 */
export function curlCommand(trace: Pick<TraceRecord, 'method' | 'path' | 'request'>, gatewayUrl: string): string {
  const url = `${gatewayUrl.replace(/\/$/, '')}${trace.request.url ?? trace.path}`
  const parts = ['curl', '-i']
  if (trace.method !== 'GET') parts.push('-X', trace.method)
  parts.push(shellQuote(url))
  for (const [name, value] of trace.request.headers) {
    if (hopHeaders.has(name.toLowerCase())) continue
    const placeholder = name.toLowerCase() !== 'authorization' ? '<secret>' : /^basic\s/i.test(value) ? '<base64 client_id:client_secret>' : '<token>'
    const clear = value.includes('********') ? value.replace(/\S*\*{8}\S*/, placeholder) : value
    parts.push('-H', shellQuote(`${name}: ${clear}`))
  }
  if (trace.request.body) parts.push('--data-raw', shellQuote(trace.request.body))
  return parts.join(' ')
}

/** `1.767` -> `1.8 ms`; whole milliseconds above 10. */
export function formatMs(ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)} ms`
  if (ms < 10_000) return `${Math.round(ms)} ms`
  return `${(ms / 1000).toFixed(1)} s`
}

/** Engine time of a trace as `HH:MM:SS.mmm` (UTC, as the header clock shows it). */
export function formatClockTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23)
}

export interface VariableDiff {
  name: string
  before?: string
  after?: string
  kind: 'added' | 'removed' | 'changed'
}

/** The flow variables that differ between two requests (unchanged ones left out), by name. */
export function diffVariables(before: Record<string, string>, after: Record<string, string>): VariableDiff[] {
  const out: VariableDiff[] = []
  for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[name]
    const b = after[name]
    if (a === b) continue
    if (a === undefined) out.push({ name, after: b, kind: 'added' })
    else if (b === undefined) out.push({ name, before: a, kind: 'removed' })
    else out.push({ name, before: a, after: b, kind: 'changed' })
  }
  return out.sort((x, y) => x.name.localeCompare(y.name))
}
