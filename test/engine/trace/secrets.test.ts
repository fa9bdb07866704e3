/** Collecting an exchange's secrets and masking them by value. */
import { describe, expect, it } from 'vitest'
import { SecretMasker, collectExchangeSecrets } from '../../../src/engine/trace'

const bytes = (text: string) => new TextEncoder().encode(text)

describe('collectExchangeSecrets', () => {
  it('finds credentials, secret parameters, JSON tokens, Location codes and secret variables; not API keys', () => {
    const found = collectExchangeSecrets(
      [
        {
          url: '/oauth/token?apikey=app-key-123456&access_token=query-token-1234',
          headers: [['Authorization', `Basic ${btoa('app-key-123456:p%40ss+word')}`]],
          body: bytes('grant_type=password&username=ada&password=horse-battery')
        },
        { headers: [['Location', 'https://cb.example/x?code=code-value-9876#access_token=frag-token-5555']], body: bytes('{"access_token": "issued-token-0001", "client_id": "app-key-123456"}') }
      ],
      [
        ['oauthv2authcode.Auth.code', 'code-value-9876'],
        ['private.signing', 'sign-key'],
        ['verifyapikey.Verify.client_id', 'app-key-123456'],
        ['verifyapikey.Verify.apikey', 'app-key-123456']
      ]
    )
    expect(Object.fromEntries(found)).toEqual({
      [btoa('app-key-123456:p%40ss+word')]: 'prefix',
      'p%40ss+word': 'full',
      'p@ss+word': 'full',
      'query-token-1234': 'prefix',
      'horse-battery': 'full',
      'code-value-9876': 'prefix',
      'frag-token-5555': 'prefix',
      'issued-token-0001': 'prefix',
      'sign-key': 'full'
    })
  })
})

describe('SecretMasker.including', () => {
  it('replaces each value wherever it appears, encoded forms too, keeping 4 characters of tokens', () => {
    const masker = new SecretMasker(['private-value']).including(
      new Map([
        ['tok/en+value-1234', 'prefix'],
        ['pass word', 'full'],
        ['short', 'prefix']
      ])
    )
    expect(masker.text('a tok/en+value-1234 b tok%2Fen%2Bvalue-1234 c pass%20word d private-value e short')).toBe(
      'a tok/******** b tok/******** c ******** d ******** e short'
    )
    expect(masker.variable('request.content', '{"x":"pass word"}')).toBe('{"x":"********"}')
  })
})
