import { describe, expect, it } from 'vitest'
import type { TraceStep, TraceSummary } from '@shared/trace'
import {
  bearerToken,
  curlCommand,
  diffVariables,
  emptyFilters,
  emptyLaneNote,
  filterOptions,
  filterTraces,
  filtersActive,
  mergeSummaries,
  prettyBody,
  statusClassOf,
  stepOutcome,
  stepsByLane,
  variablesAt,
  type TraceFilters
} from '@renderer/components/trace/model'
import { formatUtcInput, parseUtcInput } from '@renderer/components/shell/clockInput'

function summary(over: Partial<TraceSummary>): TraceSummary {
  return {
    id: 'id',
    messageId: 'id',
    startedAt: 1000,
    durationMs: 1,
    environment: 'test',
    proxy: 'API_One',
    method: 'GET',
    path: '/api-one/items',
    status: 200,
    faultName: null,
    app: 'App_One',
    clientId: 'app-one-key',
    ...over
  }
}

function step(over: Partial<TraceStep> & Pick<TraceStep, 'index'>): TraceStep {
  return { kind: 'policy', phase: 'proxy-request', executed: true, startedAt: 0, durationMs: 0, reads: [], writes: [], ...over }
}

const list: TraceSummary[] = [
  summary({ id: 'a', startedAt: 5, status: 401, faultName: 'InvalidAPICallAsNoApiProductMatchFound', app: 'App_Two', clientId: 'app-two-key' }),
  summary({ id: 'b', startedAt: 4, status: 200, environment: 'prod' }),
  summary({ id: 'c', startedAt: 3, status: 404, proxy: null, app: null, clientId: null, path: '/nowhere', faultName: 'messaging.adaptors.http.flow.ApplicationNotFound' }),
  summary({ id: 'd', startedAt: 2, status: 302, proxy: 'oauth', path: '/oauth/authorize', app: null }),
  summary({ id: 'e', startedAt: 1, status: 503, proxy: 'API_Two', faultName: 'ServiceUnavailable', app: 'App_Two' })
]
const ids = (l: TraceSummary[]) => l.map((t) => t.id)

describe('trace list filters', () => {
  it.each([
    [{}, ['a', 'b', 'c', 'd', 'e']],
    [{ environments: ['prod'] }, ['b']],
    [{ proxies: ['API_Two', '(no proxy)'] }, ['c', 'e']],
    [{ apps: ['App_Two'] }, ['a', 'e']],
    [{ apps: ['(no app)'] }, ['c', 'd']],
    [{ statusClasses: ['4xx'] }, ['a', 'c']],
    [{ statusClasses: ['3xx', '5xx'] }, ['d', 'e']],
    [{ faults: ['InvalidAPICallAsNoApiProductMatchFound'] }, ['a']],
    [{ faults: ['(no fault)'] }, ['b', 'd']],
    [{ text: 'APP-TWO-KEY' }, ['a']],
    [{ text: 'oauth authorize' }, ['d']],
    [{ text: '401 noapiproduct' }, ['a']],
    [{ statusClasses: ['4xx'], apps: ['App_Two'] }, ['a']]
  ] as Array<[Partial<TraceFilters>, string[]]>)('%j keeps %j', (filter, expected) => {
    expect(ids(filterTraces(list, { ...emptyFilters(), ...filter }))).toEqual(expected)
  })

  it('says whether any filter is set', () => {
    expect(filtersActive(emptyFilters())).toBe(false)
    expect(filtersActive({ ...emptyFilters(), text: '  ' })).toBe(false)
    expect(filtersActive({ ...emptyFilters(), statusClasses: ['5xx'] })).toBe(true)
  })

  it('offers each distinct value once, with the "none" markers last', () => {
    expect(filterOptions(list)).toEqual({
      environments: ['prod', 'test'],
      proxies: ['API_One', 'API_Two', 'oauth', '(no proxy)'],
      apps: ['App_One', 'App_Two', '(no app)'],
      faults: ['InvalidAPICallAsNoApiProductMatchFound', 'messaging.adaptors.http.flow.ApplicationNotFound', 'ServiceUnavailable', '(no fault)']
    })
  })

  it.each([
    [200, '2xx'],
    [204, '2xx'],
    [302, '3xx'],
    [401, '4xx'],
    [499, '4xx'],
    [500, '5xx'],
    [504, '5xx']
  ] as const)('status %i is in class %s', (status, cls) => {
    expect(statusClassOf(status)).toBe(cls)
  })
})

describe('mergeSummaries (live pushes)', () => {
  it('prepends newer pushes, newest first, and drops ids it already has', () => {
    const merged = mergeSummaries(list, [summary({ id: 'g', startedAt: 7 }), summary({ id: 'f', startedAt: 6 }), summary({ id: 'a', startedAt: 5 })], 100)
    expect(ids(merged)).toEqual(['g', 'f', 'a', 'b', 'c', 'd', 'e'])
  })
  it('sorts imported older traces into place and keeps at most `keep`', () => {
    const merged = mergeSummaries(list, [summary({ id: 'old', startedAt: 2.5 })], 4)
    expect(ids(merged)).toEqual(['a', 'b', 'c', 'old'])
  })
})

describe('variablesAt (replay of reads and writes)', () => {
  const steps: TraceStep[] = [
    step({ index: 0, kind: 'flow', condition: 'request.verb = "POST"', conditionResult: false, executed: false, skippedReason: 'condition-false', reads: [{ name: 'request.verb', value: 'GET' }] }),
    step({
      index: 1,
      reads: [{ name: 'request.verb', value: 'GET' }, { name: 'proxy.pathsuffix', value: '/items' }],
      writes: [
        { name: 'client_id', value: 'app-two-key' },
        { name: 'developer.app.name', value: 'App_Two' },
        { name: 'client_id', value: 'app-two-key', previous: 'app-two-key' }
      ]
    }),
    step({ index: 2, writes: [{ name: 'developer.app.name', value: 'App_One', previous: 'App_Two' }, { name: 'client_id', value: 'app-two-key', previous: 'app-two-key' }] })
  ]

  it('before any write shows only what was read', () => {
    expect(variablesAt(steps, 0)).toEqual([{ name: 'request.verb', value: 'GET', changed: false, read: true, writtenAt: -1 }])
  })

  it('flags what the step wrote (previous value kept) and what it read', () => {
    const rows = variablesAt(steps, 1)
    expect(rows).toEqual([
      { name: 'client_id', value: 'app-two-key', previous: null, changed: true, read: false, writtenAt: 1 },
      { name: 'developer.app.name', value: 'App_Two', previous: null, changed: true, read: false, writtenAt: 1 },
      { name: 'proxy.pathsuffix', value: '/items', changed: false, read: true, writtenAt: -1 },
      { name: 'request.verb', value: 'GET', changed: false, read: true, writtenAt: -1 }
    ])
  })

  it('a rewrite with the same value is not a change; an overwrite shows the old value', () => {
    const rows = variablesAt(steps, 2)
    expect(rows.find((r) => r.name === 'developer.app.name')).toMatchObject({ value: 'App_One', previous: 'App_Two', changed: true, writtenAt: 2 })
    expect(rows.find((r) => r.name === 'client_id')).toMatchObject({ value: 'app-two-key', changed: false, writtenAt: 2 })
    expect(rows.find((r) => r.name === 'request.verb')).toMatchObject({ read: false, changed: false })
    expect(rows[0]!.name).toBe('developer.app.name')
  })
})

describe('lanes and outcomes', () => {
  it('groups steps into the four lanes of the transaction map', () => {
    const lanes = stepsByLane([
      step({ index: 0, phase: 'proxy-request' }),
      step({ index: 1, phase: 'target-request' }),
      step({ index: 2, kind: 'target', phase: 'target' }),
      step({ index: 3, phase: 'target-response' }),
      step({ index: 4, phase: 'proxy-response' }),
      step({ index: 5, phase: 'post-client' }),
      step({ index: 6, kind: 'fault-rule', phase: 'error' })
    ])
    expect(Object.fromEntries(Object.entries(lanes).map(([k, v]) => [k, v.map((s) => s.index)]))).toEqual({
      'proxy-request': [0],
      target: [1, 2, 3],
      'proxy-response': [4, 5],
      error: [6]
    })
  })
  it('tells executed, skipped, failed and continued steps apart', () => {
    const error = { name: 'X', errorcode: 'x', faultstring: 'x', status: 500 }
    expect(stepOutcome(step({ index: 0 }))).toBe('ok')
    expect(stepOutcome(step({ index: 0, executed: false }))).toBe('skipped')
    expect(stepOutcome(step({ index: 0, error }))).toBe('error')
    expect(stepOutcome(step({ index: 0, error, continueOnError: true }))).toBe('error-continued')
  })
})

describe('messages', () => {
  it('pretty-prints JSON bodies and splits form bodies', () => {
    expect(prettyBody({ headers: [['Content-Type', 'application/json']], body: '{"a":1,"b":[2]}' })).toEqual({ text: '{\n  "a": 1,\n  "b": [\n    2\n  ]\n}', language: 'json' })
    expect(prettyBody({ headers: [['content-type', 'application/x-www-form-urlencoded']], body: 'grant_type=client_credentials&scope=a+b%2Fc' })).toEqual({
      text: 'grant_type = client_credentials\nscope = a b/c',
      language: 'form'
    })
    expect(prettyBody({ headers: [], body: '{"cut": "at the li' })).toEqual({ text: '{"cut": "at the li', language: 'text' })
  })
  it('reads the bearer token of an Authorization header in any case', () => {
    expect(bearerToken([['authorization', 'Bearer abc.def']])).toBe('abc.def')
    expect(bearerToken([['Authorization', 'Basic eDp5']])).toBeUndefined()
    expect(bearerToken([])).toBeUndefined()
  })
  it('builds a curl command with the masked token as a placeholder', () => {
    const cmd = curlCommand(
      {
        method: 'POST',
        path: '/oauth/token',
        request: { method: 'POST', url: '/oauth/token?x=1', headers: [['Host', 'h'], ['Authorization', 'Bearer YxGG********'], ['Content-Type', 'application/x-www-form-urlencoded']], body: "grant_type=it's" }
      },
      'http://127.0.0.1:9001/'
    )
    expect(cmd).toBe(
      `curl -i -X POST 'http://127.0.0.1:9001/oauth/token?x=1' -H 'Authorization: Bearer <token>' -H 'Content-Type: application/x-www-form-urlencoded' --data-raw 'grant_type=it'\\''s'`
    )
  })
})

describe('clock set field', () => {
  it.each([
    ['2026-11-24 09:00', '2026-11-24T09:00:00.000Z'],
    ['2026-11-24 09:00:30', '2026-11-24T09:00:30.000Z'],
    ['2026-11-24T09:00:30Z', '2026-11-24T09:00:30.000Z'],
    ['2026-02-31 09:00', null],
    ['24.11.2026 09:00', null],
    ['', null]
  ])('%s -> %s', (input, iso) => {
    expect(parseUtcInput(input)).toBe(iso)
  })
  it('formats the engine time as the field shows it', () => {
    expect(formatUtcInput(Date.UTC(2026, 10, 24, 9, 5, 7))).toBe('2026-11-24 09:05:07')
  })
})

describe('empty lanes of the transaction map', () => {
  const error = { name: 'InvalidAPICallAsNoApiProductMatchFound', errorcode: 'x', faultstring: 'x', status: 401 }
  const failedInRequest = [step({ index: 0, error })]
  const passed = [step({ index: 0 }), step({ index: 1, kind: 'target', phase: 'target' })]
  it.each([
    ['target', failedInRequest, true, 'not reached: the fault ended the flow earlier'],
    ['proxy-response', failedInRequest, true, 'not reached: the fault ended the flow earlier'],
    ['error', failedInRequest, true, 'no fault rule ran: the default fault response was sent'],
    ['proxy-response', passed, false, 'passed through, no policies'],
    ['target', [step({ index: 0 })], false, 'no target call (null route)'],
    ['error', passed, false, 'no fault'],
    ['target', [], true, 'not reached']
  ] as const)('%s lane, case %#', (lane, steps, failed, note) => {
    expect(emptyLaneNote(lane, steps as TraceStep[], failed)).toBe(note)
  })
})

describe('diffVariables (a request and its resend)', () => {
  it('lists added, removed and changed variables by name and leaves equal ones out', () => {
    const before = { 'fault.name': 'InvalidAPICallAsNoApiProductMatchFound', client_id: 'app-two-key', 'environment.name': 'test' }
    const after = { client_id: 'app-one-key', 'environment.name': 'test', 'apiproduct.name': 'Product_One' }
    expect(diffVariables(before, after)).toEqual([
      { name: 'apiproduct.name', after: 'Product_One', kind: 'added' },
      { name: 'client_id', before: 'app-two-key', after: 'app-one-key', kind: 'changed' },
      { name: 'fault.name', before: 'InvalidAPICallAsNoApiProductMatchFound', kind: 'removed' }
    ])
    expect(diffVariables(after, after)).toEqual([])
  })
})
