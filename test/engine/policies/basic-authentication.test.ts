import { describe, expect, test } from 'vitest'
import { deployErrors, runWith } from './standard-helpers'

const encode = `<BasicAuthentication name="BA-Encode"><Operation>Encode</Operation><IgnoreUnresolvedVariables>false</IgnoreUnresolvedVariables>
  <User ref="request.header.x-user"/><Password ref="request.header.x-pass"/><AssignTo createNew="false">request.header.Authorization</AssignTo></BasicAuthentication>`
const decode = `<BasicAuthentication name="BA-Decode"><Operation>Decode</Operation><IgnoreUnresolvedVariables>false</IgnoreUnresolvedVariables>
  <User ref="decoded.user"/><Password ref="decoded.pass"/><Source>request.header.Authorization</Source></BasicAuthentication>`
const show = `<AssignMessage name="Show"><Set><Headers><Header name="X-User">{decoded.user}</Header><Header name="X-Pass">{decoded.pass}</Header></Headers></Set></AssignMessage>`

describe('BasicAuthentication', () => {
  test('Encode builds the Authorization header', async () => {
    const r = await runWith({ policies: { 'BA-Encode': encode }, request: ['BA-Encode'] }, 'GET', '/p', { 'X-User': 'alice', 'X-Pass': 'pä:ss' })
    expect(r.json.headers['authorization']).toBe(`Basic ${Buffer.from('alice:pä:ss').toString('base64')}`)
  })

  test('Decode splits user and password at the first colon', async () => {
    const r = await runWith({ policies: { 'BA-Decode': decode, Show: show }, request: ['BA-Decode', 'Show'] }, 'GET', '/p', {
      Authorization: `Basic ${Buffer.from('bob:se:cret').toString('base64')}`
    })
    expect([r.json.headers['x-user'], r.json.headers['x-pass']]).toEqual(['bob', 'se:cret'])
  })

  test.each([
    { name: 'Encode with an unresolved user', policy: 'BA-Encode', headers: { 'X-Pass': 'p' }, body: '{"fault":{"faultstring":"Unresolved variable : request.header.x-user","detail":{"errorcode":"steps.basicauthentication.UnresolvedVariable"}}}', fault: 'UnresolvedVariable' },
    { name: 'Decode without a header', policy: 'BA-Decode', headers: {}, body: '{"fault":{"faultstring":"Unresolved variable : request.header.Authorization","detail":{"errorcode":"steps.basicauthentication.UnresolvedVariable"}}}', fault: 'UnresolvedVariable' },
    { name: 'Decode of a Bearer header', policy: 'BA-Decode', headers: { Authorization: 'Bearer abc' }, body: '{"fault":{"faultstring":"Source variable : request.header.Authorization for basic authentication decode policy is not valid","detail":{"errorcode":"steps.basicauthentication.InvalidBasicAuthenticationSource"}}}', fault: 'InvalidBasicAuthenticationSource' },
    { name: 'Decode without a colon', policy: 'BA-Decode', headers: { Authorization: `Basic ${Buffer.from('nocolon').toString('base64')}` }, body: '{"fault":{"faultstring":"Source variable : request.header.Authorization for basic authentication decode policy is not valid","detail":{"errorcode":"steps.basicauthentication.InvalidBasicAuthenticationSource"}}}', fault: 'InvalidBasicAuthenticationSource' }
  ])('$name -> 500 $fault', async ({ policy, headers, body, fault }) => {
    const r = await runWith({ policies: { 'BA-Encode': encode, 'BA-Decode': decode }, request: [policy] }, 'GET', '/p', headers)
    expect([r.status, r.text]).toEqual([500, body])
    expect(r.trace.fault!.variables).toMatchObject({ 'fault.name': fault, [`BasicAuthentication.${policy}.failed`]: 'true' })
  })

  test('IgnoreUnresolvedVariables=true skips a missing source', async () => {
    const r = await runWith({ policies: { 'BA-Decode': decode.replace('>false<', '>true<') }, request: ['BA-Decode'] }, 'GET', '/p')
    expect(r.status).toBe(200)
  })

  test.each([
    ['<BasicAuthentication name="B"><Operation>Encode</Operation><Password ref="p"/><AssignTo>x</AssignTo></BasicAuthentication>', ['UserNameRequired']],
    ['<BasicAuthentication name="B"><Operation>Encode</Operation><User ref="u"/><AssignTo>x</AssignTo></BasicAuthentication>', ['PasswordRequired']],
    ['<BasicAuthentication name="B"><Operation>Encode</Operation><User ref="u"/><Password ref="p"/></BasicAuthentication>', ['AssignToRequired']],
    ['<BasicAuthentication name="B"><Operation>Decode</Operation><User ref="u"/><Password ref="p"/></BasicAuthentication>', ['SourceRequired']],
    ['<BasicAuthentication name="B"><Operation>Hash</Operation><User ref="u"/><Password ref="p"/></BasicAuthentication>', ['InvalidOperation']]
  ])('deployment error %#', (xml, codes) => {
    expect(deployErrors({ B: xml })).toEqual(codes)
  })
})
