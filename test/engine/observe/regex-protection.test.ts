import { describe, expect, test } from 'vitest'
import { deployErrors, runWith } from '../policies/standard-helpers'

const rep = (inner: string) => `<RegularExpressionProtection name="REP-1">${inner}</RegularExpressionProtection>`
const envelope = (faultstring: string, name: string) => JSON.stringify({ fault: { faultstring, detail: { errorcode: `steps.regexprotection.${name}` } } })
const threat = (pattern: string, input: string) => envelope(`Regular Expression Threat Detected in REP-1: regex: ${pattern} input: ${input}`, 'ThreatDetected')
const run = (policy: string, method: string, url: string, headers: Record<string, string> = {}, body = '') =>
  runWith({ policies: { 'REP-1': policy }, request: ['REP-1'] }, method, url, headers, body)
const SQL = "[\\s]*((delete)|(exec)|(drop\\s*table)|(insert)|(shutdown)|(update)|(\\bor\\b))"

describe('RegularExpressionProtection', () => {
  test('a pattern found anywhere in a query parameter -> 400 ThreatDetected naming pattern and input', async () => {
    const r = await run(rep(`<QueryParam name="q"><Pattern>${SQL}</Pattern></QueryParam>`), 'GET', '/p?q=1%3B%20DROP%20TABLE%20users')
    // Java's (?i) is not in the pattern: upper-case DROP is not found; lower case is.
    expect(r.status).toBe(200)
    const hit = await run(rep(`<QueryParam name="q"><Pattern>${SQL}</Pattern></QueryParam>`), 'GET', '/p?q=1%3B%20drop%20table%20users')
    expect([hit.status, hit.text]).toEqual([400, threat(SQL, '1; drop table users')])
    expect(hit.trace.fault!.variables).toMatchObject({ 'fault.name': 'ThreatDetected', 'regularexpressionprotection.REP-1.failed': 'true' })
  })

  test.each([
    ['<URIPath><Pattern>\\.\\./</Pattern></URIPath>', 'GET', '/p/a/../etc', {}, '', '\\.\\./', '/p/a/../etc'],
    ['<Header name="X-Name"><Pattern>(?i)&lt;script</Pattern></Header>', 'GET', '/p', { 'X-Name': 'a<SCRIPT>' }, '', '(?i)<script', 'a<SCRIPT>'],
    ['<FormParam name="f"><Pattern>&lt;/?\\w+</Pattern></FormParam>', 'POST', '/p', { 'Content-Type': 'application/x-www-form-urlencoded' }, 'f=%3Cb%3E', '</?\\w+', '<b>'],
    ['<Variable name="request.header.x-v"><Pattern>^evil$</Pattern></Variable>', 'GET', '/p', { 'X-V': 'evil' }, '', '^evil$', 'evil'],
    ['<JSONPayload><JSONPath><Expression>$.user.name</Expression><Pattern>\\$where</Pattern></JSONPath></JSONPayload>', 'POST', '/p', { 'Content-Type': 'application/json' }, '{"user":{"name":"x $where y"}}', '\\$where', 'x $where y'],
    ['<XMLPayload><XPath><Expression>/order/note</Expression><Type>string</Type><Pattern>(?&lt;=a)b</Pattern></XPath></XMLPayload>', 'POST', '/p', { 'Content-Type': 'application/xml' }, '<order><note>ab</note></order>', '(?<=a)b', 'ab']
  ])('%s -> ThreatDetected', async (inner, method, url, headers, body, pattern, input) => {
    const r = await run(rep(inner), method, url, headers, body)
    expect([r.status, r.text]).toEqual([400, threat(pattern, input)])
  })

  test('clean input goes through; each location is checked', async () => {
    const r = await run(rep('<URIPath><Pattern>\\.\\./</Pattern></URIPath><Header name="X-A"><Pattern>bad</Pattern></Header><JSONPayload><JSONPath><Expression>$.a</Expression><Pattern>bad</Pattern></JSONPath></JSONPayload>'), 'POST', '/p/ok', { 'X-A': 'fine', 'Content-Type': 'application/json' }, '{"a":"good","b":"bad"}')
    expect(r.status).toBe(200)
  })

  test('a backtracking pattern on hostile input is bounded: ExecutionFailed, not a hang', async () => {
    // The backreference keeps it off RE2, so it runs in the bounded worker.
    const pattern = '^(a+)+\\1$'
    const r = await run(rep(`<Header name="X-A"><Pattern>${pattern}</Pattern></Header>`), 'GET', '/p', { 'X-A': 'a'.repeat(40) + 'b' })
    expect([r.status, r.text]).toEqual([500, envelope(`Failed to execute the RegularExpressionProtection StepDefinition REP-1. Reason: regex ${pattern} did not finish within the regex time limit`, 'ExecutionFailed')])
  })

  test('an RE2-compatible catastrophic pattern runs in linear time and finds nothing', async () => {
    const r = await run(rep('<Header name="X-A"><Pattern>^(a+)+$</Pattern></Header>'), 'GET', '/p', { 'X-A': 'a'.repeat(5000) + 'b' })
    expect(r.status).toBe(200)
  })

  test('runtime faults: unresolved Variable, payload that is not JSON, Source that is not a message', async () => {
    const unresolved = await run(rep('<Variable name="my.var"><Pattern>x</Pattern></Variable>'), 'GET', '/p')
    expect([unresolved.status, unresolved.text]).toEqual([500, envelope('Failed to resolve variable my.var', 'VariableResolutionFailed')])
    const ignored = await run(rep('<Variable name="my.var"><Pattern>x</Pattern></Variable><IgnoreUnresolvedVariables>true</IgnoreUnresolvedVariables>'), 'GET', '/p')
    expect(ignored.status).toBe(200)
    const notJson = await run(rep('<JSONPayload><JSONPath><Expression>$.a</Expression><Pattern>x</Pattern></JSONPath></JSONPayload>'), 'POST', '/p', { 'Content-Type': 'application/json' }, '{a:')
    expect(notJson.status).toBe(500)
    expect(notJson.json.fault.detail.errorcode).toBe('steps.regexprotection.ExecutionFailed')
    const missing = await run(rep('<Source>other</Source><Header name="a"><Pattern>x</Pattern></Header>'), 'GET', '/p')
    expect([missing.status, missing.text]).toEqual([500, envelope('other message is not available for RegularExpressionProtection StepDefinition REP-1', 'SourceMessageNotAvailable')])
    const nonMessage = await run(rep('<Source>request.verb</Source><Header name="a"><Pattern>x</Pattern></Header>'), 'GET', '/p')
    expect([nonMessage.status, nonMessage.text]).toEqual([500, envelope('Variable request.verb does not resolve to a Message', 'NonMessageVariable')])
  })

  test.each([
    ['<Header name="a"><Pattern>(unclosed</Pattern></Header>', 'InvalidRegularExpression'],
    ['<Header name="a"></Header>', 'NoPatternsToEnforce'],
    ['<Source>request</Source>', 'NothingToEnforce'],
    ['<XMLPayload><XPath><Expression></Expression><Pattern>x</Pattern></XPath></XMLPayload>', 'EmptyXPathExpression'],
    ['<XMLPayload><XPath><Expression>/p:a</Expression><Pattern>x</Pattern></XPath></XMLPayload>', 'XPathCompilationFailed'],
    ['<XMLPayload><Namespaces><Namespace prefix="p">u1</Namespace><Namespace prefix="p">u2</Namespace></Namespaces><XPath><Expression>/p:a</Expression><Pattern>x</Pattern></XPath></XMLPayload>', 'DuplicatePrefix'],
    ['<JSONPayload><JSONPath><Expression></Expression><Pattern>x</Pattern></JSONPath></JSONPayload>', 'EmptyJSONPathExpression']
  ])('deployment error %#: %s -> %s', (inner, code) => {
    expect(deployErrors({ 'REP-1': rep(inner) })).toEqual([code])
  })
})
