import { setTimeout as sleep } from 'node:timers/promises'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { uidForEmail } from '../../../dev/fake-fxa/index.ts'
import {
  ADMIN_TOKEN,
  adminRevoke,
  EVENT,
  eventId,
  nginxStatus,
  postEvent,
  rawRedis,
  type SignedIn,
  signIn,
  tokenHash,
  userinfo,
} from '../../support/faults.ts'
import {
  CLIENT_ID,
  createCookieJar,
  loginThroughGate,
  startTestGate,
  type TestGate,
} from '../../support/gate.ts'

/**
 * D5, D6, D8, D11. Bad data written straight into Redis, of every kind fxa-gate keeps: the answer
 * is "no session" (401) or a clean re-check with FxA, never a 500 or a permanent 503; every bad
 * record is deleted, logged with a code and counted; every user stays revocable and can log in.
 */

const redisUrl = inject('redisUrl')
let gate: TestGate
let redis: Redis
let prefix: string

beforeAll(async () => {
  gate = await startTestGate({
    redisUrl,
    captureLogs: true,
    env: {
      FXA_GATE_SESSION_CACHE_TTL: '0',
      FXA_GATE_BEARER_CACHE_MAX_TTL: '10m',
      FXA_GATE_ADMIN_TOKEN: ADMIN_TOKEN,
      // Bearer tokens are credentials only where something names who may use them (#12).
      FXA_GATE_BEARER_ALLOWED_CLIENTS: CLIENT_ID,
    },
  })
  prefix = gate.config.redisKeyPrefix
  redis = await rawRedis(redisUrl)
})
afterAll(async () => {
  await gate?.close()
  redis?.disconnect()
})

const sessionKey = (session: SignedIn) => `${prefix}s:${session.key}`

/** The session's stored record, as JSON, edited by `change`. */
async function editRecord(
  session: SignedIn,
  change: (record: Record<string, unknown>) => void,
): Promise<void> {
  const record = JSON.parse((await redis.hget(sessionKey(session), 'r'))!) as Record<string, unknown>
  change(record)
  await redis.hset(sessionKey(session), 'r', JSON.stringify(record))
}

/** Log lines about invalid stored data of `kind`. */
const invalidLogs = (kind: string) =>
  gate.logs().filter((line) => line['code'] === 'STORE_RECORD_INVALID' && line['kind'] === kind)

async function invalidCount(kind: string): Promise<number> {
  const text = await (await fetch(`${gate.adminUrl}/metrics`)).text()
  return text
    .split('\n')
    .filter(
      (line) => line.startsWith('fxa_gate_store_invalid_records_total{') && line.includes(`kind="${kind}"`),
    )
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0)
}

/** Runs `corrupt`, then expects the session to be refused as absent (401), deleted, logged and counted. */
async function expectRefusedAndCleaned(session: SignedIn, corrupt: () => Promise<unknown>): Promise<void> {
  const logged = invalidLogs('session').length
  const counted = await invalidCount('session')
  await corrupt()
  const answers = [(await nginxStatus(gate, session)).status, (await userinfo(gate, session)).status]
  expect(answers).toEqual([401, 401])
  expect(await redis.hexists(sessionKey(session), 'r')).toBe(0)
  expect(invalidLogs('session').length).toBe(logged + 1)
  expect(await invalidCount('session')).toBe(counted + 1)
}

describe('bad session records', () => {
  it('a record that parses but lacks a field is "no session", deleted, logged once and counted', async () => {
    const session = await signIn(gate, 'lacks@example.org')
    await expectRefusedAndCleaned(session, () => editRecord(session, (r) => delete r['subscriptions']))
  })

  it('a record with a mistyped field likewise', async () => {
    const session = await signIn(gate, 'mistyped@example.org')
    await expectRefusedAndCleaned(session, () => editRecord(session, (r) => (r['email'] = 42)))
  })

  it('a record that is not JSON likewise', async () => {
    const session = await signIn(gate, 'garbled@example.org')
    await expectRefusedAndCleaned(session, () => redis.hset(sessionKey(session), 'r', '{"v":1,"uid":'))
  })

  it('a session key of the wrong type likewise', async () => {
    const session = await signIn(gate, 'wrongtype@example.org')
    await expectRefusedAndCleaned(session, async () => {
      await redis.del(sessionKey(session))
      await redis.set(sessionKey(session), 'not a hash', 'PX', 60_000)
    })
  })

  it('a record rewritten to another user is refused: a Redis writer cannot forge an identity', async () => {
    const victim = uidForEmail('victim@example.org')
    const session = await signIn(gate, 'forger@example.org')
    await expectRefusedAndCleaned(session, () =>
      editRecord(session, (r) => {
        r['uid'] = victim
        r['email'] = 'victim@example.org'
      }),
    )
  })

  it("another session's intact record copied under my key is refused; the original still works", async () => {
    const victim = await signIn(gate, 'copied@example.org')
    const attacker = await signIn(gate, 'copier@example.org')
    const stolen = await redis.hgetall(sessionKey(victim))
    await expectRefusedAndCleaned(attacker, async () => {
      await redis.del(sessionKey(attacker))
      await redis.hset(sessionKey(attacker), stolen)
      await redis.pexpire(sessionKey(attacker), 60_000)
    })
    expect((await userinfo(gate, victim)).status).toBe(200)
  })
})

describe('a user index of the wrong type', () => {
  it('leaves the user revocable and able to log in', async () => {
    const email = 'index@example.org'
    const session = await signIn(gate, email)
    await redis.set(`${prefix}u:${session.uid}`, 'garbage')

    const revoked = await adminRevoke(gate, session.uid)
    expect(revoked.status).toBe(200)
    expect(await revoked.json()).toEqual({ user: session.uid, ended: 1 })
    expect((await userinfo(gate, session)).status).toBe(401)
    expect(invalidLogs('user_index').length).toBeGreaterThan(0)

    await redis.set(`${prefix}u:${session.uid}`, 'garbage again')
    const jar = createCookieJar()
    expect((await loginThroughGate(jar, gate.url, email)).status).toBe(302)
    expect((await jar.fetch(`${gate.url}/_gate/userinfo`)).status).toBe(200)
    expect(await (await adminRevoke(gate, session.uid)).json()).toEqual({ user: session.uid, ended: 1 })
    expect((await jar.fetch(`${gate.url}/_gate/userinfo`)).status).toBe(401)
  })
})

describe('bad cached bearer-token results', () => {
  async function bearer(email: string) {
    const uid = uidForEmail(email)
    gate.fxa.users.set(uid, { uid, email })
    const token = await gate.fxa.issueAccessToken({ uid, clientId: CLIENT_ID, scope: 'profile' })
    const ask = () =>
      fetch(`${gate.url}/_gate/auth/nginx`, {
        headers: { 'x-original-url': 'https://app.example.com/x', authorization: `Bearer ${token}` },
      })
    const first = await ask()
    expect(first.status).toBe(200)
    const key = `${prefix}t:${tokenHash(token)}`
    expect(await redis.exists(key)).toBe(1)
    return { uid, token, key, ask }
  }

  /** Corrupts the shared result, waits out the in-process copy, and expects a clean re-check. */
  async function expectRecheck(email: string, corrupt: (key: string) => Promise<unknown>) {
    const { uid, key, ask } = await bearer(email)
    const logged = invalidLogs('token').length
    await corrupt(key)
    await sleep(1100)
    const introspections = gate.fxa.calls.introspect
    const answer = await ask()
    expect(answer.status).toBe(200)
    expect(answer.headers.get('x-user-id')).toBe(uid)
    expect(gate.fxa.calls.introspect).toBe(introspections + 1)
    expect(invalidLogs('token').length).toBe(logged + 1)
    expect(await redis.type(key)).toBe('string')
    return { uid, key, ask }
  }

  it('a result that lacks fields is re-checked with FxA, never a 500', async () => {
    await expectRecheck('tok-lacks@example.org', (key) => redis.set(key, '{"active":true}', 'PX', 60_000))
  })

  it('a result of the wrong type is re-checked, not a permanent 503', async () => {
    await expectRecheck('tok-type@example.org', async (key) => {
      await redis.del(key)
      await redis.hset(key, 'active', 'true')
    })
  })

  it("a result rewritten to another user's identity is re-checked: it cannot forge one", async () => {
    await expectRecheck('tok-forged@example.org', async (key) => {
      const result = JSON.parse((await redis.get(key))!) as Record<string, unknown>
      result['sub'] = uidForEmail('someone-else@example.org')
      await redis.set(key, JSON.stringify(result), 'PX', 60_000)
    })
  })

  it('a token user index of the wrong type leaves the user revocable', async () => {
    const { uid, ask } = await bearer('tok-index@example.org')
    await redis.set(`${prefix}tu:${uid}`, 'garbage')
    expect((await adminRevoke(gate, uid)).status).toBe(200)
    await sleep(1100)
    const introspections = gate.fxa.calls.introspect
    expect((await ask()).status).toBe(200)
    // The cached result went with the revocation: FxA is asked again.
    expect(gate.fxa.calls.introspect).toBe(introspections + 1)
  })
})

describe('bad event state', () => {
  const passwordChange = async (email: string, jti: string) => {
    const session = await signIn(gate, email)
    const token = await gate.fxa.signSet({
      sub: session.uid,
      jti,
      events: { [EVENT('password-change')]: { changeTime: Date.now() + 1000 } },
    })
    return { session, token }
  }

  it('a claim of the wrong type is treated as absent: the event is processed', async () => {
    const jti = `wrong-type-${Date.now()}`
    const { session, token } = await passwordChange('claim-type@example.org', jti)
    await redis.hset(`${prefix}ej:${eventId(jti)}`, 'x', 'y')
    const delivered = await postEvent(gate, token)
    expect(delivered.status).toBe(200)
    expect(await delivered.json()).toEqual({ status: 'processed' })
    expect((await userinfo(gate, session)).status).toBe(401)
    expect(invalidLogs('event').length).toBeGreaterThan(0)
  })

  it('a claim holding an unknown value is treated as absent: the event is processed', async () => {
    const jti = `garbage-${Date.now()}`
    const { session, token } = await passwordChange('claim-value@example.org', jti)
    await redis.set(`${prefix}ej:${eventId(jti)}`, 'whatever')
    const delivered = await postEvent(gate, token)
    expect(delivered.status).toBe(200)
    expect((await userinfo(gate, session)).status).toBe(401)
  })

  it("a user's change times of the wrong type are treated as absent: the subscription change applies", async () => {
    const session = await signIn(gate, 'times@example.org')
    await redis.set(`${prefix}eu:${session.uid}`, 'garbage')
    const token = await gate.fxa.signSet({
      sub: session.uid,
      events: {
        [EVENT('subscription-state-change')]: {
          capabilities: ['pro'],
          isActive: true,
          changeTime: Date.now(),
        },
      },
    })
    const delivered = await postEvent(gate, token)
    expect(delivered.status).toBe(200)
    expect(await (await userinfo(gate, session)).json()).toMatchObject({ subscriptions: ['pro'] })
    expect(invalidLogs('event_user').length).toBeGreaterThan(0)
  })
})

describe('bad lifecycle state (#12: credential marks, revalidation locks)', () => {
  it("a credential mark of the wrong type is deleted, logged and counted: the user's bearer tokens are checked again, never a permanent 503", async () => {
    const email = 'mark-type@example.org'
    const uid = uidForEmail(email)
    gate.fxa.users.set(uid, { uid, email })
    const token = await gate.fxa.issueAccessToken({ uid, clientId: CLIENT_ID, scope: 'profile' })
    const ask = () =>
      fetch(`${gate.url}/_gate/auth/nginx`, {
        headers: { 'x-original-url': 'https://app.example.com/x', authorization: `Bearer ${token}` },
      })
    expect((await ask()).status).toBe(200)
    const markKey = `${prefix}hw:${tokenHash(uid)}`
    await redis.del(markKey)
    await redis.hset(markKey, 'at', '1')
    const logged = invalidLogs('credential_mark').length
    await sleep(1100) // the in-process copy of the mark (1 s)
    expect((await ask()).status).toBe(200)
    expect((await ask()).status).toBe(200)
    expect(await redis.type(markKey)).not.toBe('hash')
    expect(invalidLogs('credential_mark').length).toBe(logged + 1)
    expect(await invalidCount('credential_mark')).toBeGreaterThan(0)
  })

  it('a revalidation lock planted without an expiry cannot keep a disconnected session alive', async () => {
    const lifecycle = await startTestGate({
      redisUrl,
      captureLogs: true,
      env: { FXA_GATE_SESSION_REVALIDATE_INTERVAL: '1s', FXA_GATE_SESSION_CACHE_TTL: '0' },
    })
    try {
      const session = await signIn(lifecycle, 'lock-forever@example.org')
      const lockKey = `${lifecycle.config.redisKeyPrefix}rv:${session.key}`
      await redis.set(lockKey, '1')
      await lifecycle.fxa.account.disconnect(session.uid)
      const deadline = Date.now() + 4000
      let status = 200
      while (Date.now() < deadline && status === 200) {
        status = (await nginxStatus(lifecycle, session)).status
        if (status === 200) await sleep(100)
      }
      expect(status).toBe(401)
      expect(
        lifecycle
          .logs()
          .filter((line) => line['code'] === 'STORE_RECORD_INVALID' && line['kind'] === 'revalidation_lock'),
      ).toHaveLength(1)
    } finally {
      await lifecycle.close()
    }
  })
})
