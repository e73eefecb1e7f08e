import type { Adapter, AdapterPayload } from 'oidc-provider'

// Expired entries stay this long so /v1/verify can tell "expired" (errno 115) from "unknown" (108).
// oidc-provider checks `exp` itself, so handing back an expired payload is safe.
const EXPIRED_RETENTION_MS = 60 * 60 * 1000

interface Entry {
  payload: AdapterPayload
  expiresAt: number
}

/** Models whose entries belong to a grant and die with it. */
const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
])

/**
 * oidc-provider storage for one fake FxA instance. The library's own memory adapter shares one
 * module-level LRU of 1,000 entries between every provider in the process; this one is per instance
 * and evicts nothing but long-expired entries.
 */
export interface MemoryStore {
  adapterFor(model: string): Adapter
  revokeByGrantId(grantId: string): void
  /** The unexpired entries of a model (e.g. every live RefreshToken), with their ids. */
  live(model: string): Array<{ id: string; payload: AdapterPayload }>
}

export function createMemoryStore(now: () => number = Date.now): MemoryStore {
  const entries = new Map<string, Entry>()
  const grantMembers = new Map<string, Set<string>>()
  const sessionByUid = new Map<string, string>()
  const byUserCode = new Map<string, string>()

  const keyOf = (model: string, id: string) => `${model}:${id}`

  function get(key: string): AdapterPayload | undefined {
    const entry = entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt + EXPIRED_RETENTION_MS <= now()) {
      remove(key)
      return undefined
    }
    return entry.payload
  }

  function remove(key: string): void {
    const entry = entries.get(key)
    if (entry === undefined) return
    entries.delete(key)
    const { grantId, uid, userCode } = entry.payload
    if (grantId !== undefined) grantMembers.get(grantId)?.delete(key)
    if (uid !== undefined && sessionByUid.get(uid) === key) sessionByUid.delete(uid)
    if (userCode !== undefined && byUserCode.get(userCode) === key) byUserCode.delete(userCode)
  }

  function revokeByGrantId(grantId: string): void {
    for (const key of grantMembers.get(grantId) ?? []) remove(key)
    grantMembers.delete(grantId)
  }

  function adapterFor(model: string): Adapter {
    return {
      async upsert(id, payload, expiresIn) {
        const key = keyOf(model, id)
        remove(key)
        const expiresAt = typeof expiresIn === 'number' ? now() + expiresIn * 1000 : Number.POSITIVE_INFINITY
        entries.set(key, { payload, expiresAt })
        if (model === 'Session' && payload.uid !== undefined) sessionByUid.set(payload.uid, key)
        if (payload.userCode !== undefined) byUserCode.set(payload.userCode, key)
        if (GRANTABLE.has(model) && payload.grantId !== undefined) {
          const members = grantMembers.get(payload.grantId) ?? new Set<string>()
          members.add(key)
          grantMembers.set(payload.grantId, members)
        }
      },
      async find(id) {
        return get(keyOf(model, id))
      },
      async findByUid(uid) {
        const key = sessionByUid.get(uid)
        return key === undefined ? undefined : get(key)
      },
      async findByUserCode(userCode) {
        const key = byUserCode.get(userCode)
        return key === undefined ? undefined : get(key)
      },
      async consume(id) {
        const payload = get(keyOf(model, id))
        if (payload !== undefined) payload.consumed = Math.floor(now() / 1000)
      },
      async destroy(id) {
        remove(keyOf(model, id))
      },
      async revokeByGrantId(grantId) {
        revokeByGrantId(grantId)
      },
    }
  }

  function live(model: string): Array<{ id: string; payload: AdapterPayload }> {
    const prefix = `${model}:`
    const found: Array<{ id: string; payload: AdapterPayload }> = []
    for (const [key, entry] of entries) {
      if (key.startsWith(prefix) && entry.expiresAt > now())
        found.push({ id: key.slice(prefix.length), payload: entry.payload })
    }
    return found
  }

  return { adapterFor, revokeByGrantId, live }
}
