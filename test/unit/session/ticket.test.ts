import { describe, expect, it } from 'vitest'
import { deriveKeyring } from '../../../src/crypto/keyring.ts'
import { issueTicket, newSessionId, readTicket, sessionKey } from '../../../src/session/ticket.ts'

const ring = deriveKeyring(['s'.repeat(32)], 'session-cookie')

describe('session tickets', () => {
  it('carry at least 128 random bits and stay under 100 bytes with the cookie name', () => {
    const id = newSessionId()
    expect(Buffer.from(id, 'base64url').length * 8).toBeGreaterThanOrEqual(128)
    expect(`__Host-fxa_gate=${issueTicket(ring, id)}`.length).toBeLessThan(100)
    expect(new Set(Array.from({ length: 1000 }, newSessionId)).size).toBe(1000)
  })

  it('are stored under a hash, never the id itself', () => {
    const id = newSessionId()
    expect(sessionKey(id)).not.toContain(id)
    expect(sessionKey(id)).toBe(sessionKey(id))
  })

  it('read back only when the MAC verifies', () => {
    const id = newSessionId()
    const ticket = issueTicket(ring, id)
    expect(readTicket(ring, ticket)).toBe(id)
    expect(readTicket(deriveKeyring(['t'.repeat(32)], 'session-cookie'), ticket)).toBeUndefined()
    const forged = `${newSessionId()}${ticket.slice(32)}`
    expect(readTicket(ring, forged)).toBeUndefined()
  })

  it('refuse malformed cookie values without throwing', () => {
    for (const value of [
      undefined,
      '',
      'x',
      'a'.repeat(55),
      'a'.repeat(10_000),
      `${'a'.repeat(32)}.${'b'.repeat(22)}`,
      '\u0000'.repeat(55),
    ]) {
      expect(readTicket(ring, value)).toBeUndefined()
    }
  })
})
