import { describe, expect, it } from 'vitest'
import { deriveKeyring } from '../../../src/crypto/keyring.ts'
import { addPending, readPending, takePending } from '../../../src/login/pending.ts'

const ring = deriveKeyring(['p'.repeat(32)], 'login-state')
const entry = (state: string, startedAt = 1000) => ({ state, returnTo: '/', startedAt })

describe('pending-login cookie', () => {
  it('keeps at most three pending logins in one cookie', async () => {
    let entries = await readPending(ring, undefined, 1000, 600_000)
    let cookie = ''
    for (let i = 0; i < 1000; i++) {
      cookie = await addPending(ring, entries, entry(`state-${i}`))
      entries = await readPending(ring, cookie, 1000, 600_000)
    }
    expect(entries.map((e) => e.state)).toEqual(['state-997', 'state-998', 'state-999'])
    expect(cookie.length).toBeLessThan(1024)
  })

  it('forgets logins older than the login timeout', async () => {
    const cookie = await addPending(ring, [], entry('old', 0))
    expect(await readPending(ring, cookie, 600_001, 600_000)).toEqual([])
  })

  it('finds the entry of a returned state and keeps the others', () => {
    const { match, rest } = takePending([entry('a'), entry('b')], 'b')
    expect(match?.state).toBe('b')
    expect(rest.map((e) => e.state)).toEqual(['a'])
    expect(takePending([entry('a')], 'a ').match).toBeUndefined()
    expect(takePending([entry('a')], '').match).toBeUndefined()
  })

  it('ignores a tampered or foreign cookie', async () => {
    const cookie = await addPending(ring, [], entry('a'))
    expect(await readPending(deriveKeyring(['q'.repeat(32)], 'login-state'), cookie, 1000, 600_000)).toEqual(
      [],
    )
    expect(await readPending(ring, `${cookie}x`, 1000, 600_000)).toEqual([])
    expect(await readPending(ring, 'x'.repeat(5000), 1000, 600_000)).toEqual([])
  })
})
