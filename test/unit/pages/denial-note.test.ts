import { describe, expect, it } from 'vitest'
import type { CookieSettings } from '../../../src/config/derive.ts'
import { deriveKeyring } from '../../../src/crypto/keyring.ts'
import { createDenialNotes } from '../../../src/pages/denial-note.ts'

const cookie: CookieSettings = {
  sessionName: 's',
  loginName: 's_login',
  deniedName: 's_denied',
  domain: undefined,
  secure: true,
}
const notes = createDenialNotes(() => deriveKeyring(['k'.repeat(32)], 'denial-note'), cookie)
const cookieValue = (setCookie: string) => setCookie.split(';')[0]!

describe('the denial note behind ingress-nginx', () => {
  const unmet = { kind: 'aal', required: 2, actual: 1 } as const

  it('round-trips for its user while it is fresh, as a short-lived HttpOnly cookie', async () => {
    const written = await notes.write('uid-1', unmet, 1_000_000)
    expect(written).toMatch(/^s_denied=[^;]+; Max-Age=60; Path=\/; HttpOnly; Secure; SameSite=Lax$/)
    expect(await notes.read(cookieValue(written), 'uid-1', 1_030_000)).toEqual(unmet)
    expect(notes.present(cookieValue(written))).toBe(true)
  })

  it('is worth nothing for another user, once stale, or altered', async () => {
    const written = cookieValue(await notes.write('uid-1', unmet, 1_000_000))
    expect(await notes.read(written, 'uid-2', 1_000_001)).toBeUndefined()
    expect(await notes.read(written, 'uid-1', 1_061_000)).toBeUndefined()
    expect(await notes.read(written, 'uid-1', 999_000)).toBeUndefined()
    const altered = `${written.slice(0, -4)}AAAA`
    expect(await notes.read(altered, 'uid-1', 1_000_001)).toBeUndefined()
    const other = createDenialNotes(() => deriveKeyring(['o'.repeat(32)], 'denial-note'), cookie)
    expect(await other.read(written, 'uid-1', 1_000_001)).toBeUndefined()
  })
})
