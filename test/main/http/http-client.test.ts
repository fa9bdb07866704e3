import { describe, expect, test } from 'vitest'
import { outboundCodeOf } from '../../../src/main/http/http-client'

describe('node network errors -> outbound error codes', () => {
  const error = (code: string | undefined, message = 'x'): NodeJS.ErrnoException => Object.assign(new Error(message), code ? { code } : {})
  test.each([
    [error('ECONNREFUSED'), 'connection-refused'],
    [error('ENOTFOUND'), 'dns'],
    [error('EAI_AGAIN'), 'dns'],
    [error('ECONNRESET'), 'unexpected-eof'],
    [error(undefined, 'socket hang up'), 'unexpected-eof'],
    [error('ETIMEDOUT'), 'timeout'],
    [error('EHOSTUNREACH'), 'other']
  ])('%s -> %s', (e, code) => {
    expect(outboundCodeOf(e)).toBe(code)
  })
})
