import { describe, expect, it } from 'vitest'
import { GateError } from '../../../src/errors.ts'
import { isWrongType, RedisFault, storeUnavailable, translateRedisError } from '../../../src/redis/errors.ts'

function replyError(message: string): Error {
  const error = new Error(message)
  error.name = 'ReplyError'
  // ioredis attaches the command and its arguments: they hold records and token hashes.
  Object.assign(error, { command: { name: 'evalsha', args: ['sha', '1', 'key', '{"uid":"secret-record"}'] } })
  return error
}

describe('translating Redis errors', () => {
  it('tells a wrong type, a transient refusal, another refusal and an unreachable server apart', () => {
    expect(translateRedisError(replyError('WRONGTYPE Operation against a key'), 'op').kind).toBe('wrong_type')
    for (const code of ['READONLY', 'LOADING', 'MASTERDOWN', 'CLUSTERDOWN', 'TRYAGAIN'])
      expect(translateRedisError(replyError(`${code} not now`), 'op').kind).toBe('unavailable')
    expect(translateRedisError(replyError('ERR user_script:1: boom'), 'op').kind).toBe('reply')
    expect(translateRedisError(new Error('Connection is closed.'), 'op').kind).toBe('unavailable')
    expect(isWrongType(translateRedisError(replyError('WRONGTYPE x'), 'op'))).toBe(true)
  })

  it('keeps the command and its arguments out of the cause, and no stack', () => {
    const fault = translateRedisError(replyError('WRONGTYPE Operation against a key'), 'session read')
    const cause = fault.cause as Error
    expect(JSON.stringify({ ...cause, message: cause.message, stack: cause.stack })).not.toContain(
      'secret-record',
    )
    expect(cause).not.toHaveProperty('command')
    expect(cause.stack).not.toMatch(/\n\s+at /)
    expect(fault).toBeInstanceOf(RedisFault)
    expect(fault.operation).toBe('session read')
  })

  it('answers a fault as STORE_UNAVAILABLE with Retry-After, and passes GateErrors through', () => {
    const error = storeUnavailable(new Error('Connection is closed.'), 'ping')
    expect(error.code).toBe('STORE_UNAVAILABLE')
    expect(error.status).toBe(503)
    expect(error.retryAfterSeconds).toBeGreaterThan(0)
    expect(error.detail).toContain('ping: unavailable')
    const own = new GateError('REPLICATION_UNCONFIRMED')
    expect(storeUnavailable(own, 'x')).toBe(own)
  })
})
