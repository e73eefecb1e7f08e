import * as oidc from 'openid-client'
import { describe, expect, it } from 'vitest'
import { translateProviderError } from '../../../src/identity/provider-errors.ts'

/** openid-client's own error, as it throws it (its constructor is not public). */
function clientError(code: string | undefined, cause: unknown): oidc.ClientError {
  const error = Object.create(oidc.ClientError.prototype) as oidc.ClientError
  Object.assign(error, { message: 'x', code, cause, name: 'ClientError' })
  return error
}

describe('translating provider errors', () => {
  it('calls a timeout, an abort and a network failure of the token endpoint unavailable (503)', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError')
    expect(translateProviderError(clientError('OAUTH_TIMEOUT', timeout), 'token').code).toBe(
      'PROVIDER_UNAVAILABLE',
    )
    expect(
      translateProviderError(clientError('OAUTH_ABORT', new DOMException('', 'AbortError')), 'token').code,
    ).toBe('PROVIDER_UNAVAILABLE')
    expect(translateProviderError(clientError(undefined, new TypeError('fetch failed')), 'token').code).toBe(
      'PROVIDER_UNAVAILABLE',
    )
    expect(translateProviderError(timeout, 'profile').code).toBe('PROVIDER_UNAVAILABLE')
  })

  it('keeps other client errors as provider errors (502)', () => {
    expect(translateProviderError(clientError('OAUTH_INVALID_RESPONSE', undefined), 'token').code).toBe(
      'PROVIDER_ERROR',
    )
    expect(translateProviderError(new Error('odd'), 'token').code).toBe('PROVIDER_ERROR')
  })

  it('gives the unavailable answer a Retry-After', () => {
    expect(translateProviderError(new TypeError('fetch failed'), 'token').retryAfterSeconds).toBeGreaterThan(
      0,
    )
  })
})
