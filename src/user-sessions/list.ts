import type { SessionKey, SessionRecord, SessionStore } from '../session/types.ts'
import type { SessionHandles } from './handles.ts'

/** One of the user's sessions, as their list shows it (API field names are a contract). */
export interface SessionSummary {
  readonly id: string
  readonly current: boolean
  readonly createdAt: number
  readonly lastSeenAt: number
  readonly userAgent: string | null
  readonly ip: string | null
}

export interface ListedSession {
  readonly key: SessionKey
  readonly record: SessionRecord
  readonly summary: SessionSummary
}

export interface ListDeps {
  readonly store: SessionStore
  readonly handles: SessionHandles
  readonly idleTtlMs: number
  readonly clock: () => number
}

/** At most this many sessions are read for one list; a user rarely has more than a handful. */
const MAX_LISTED = 200

/**
 * The user's live sessions, the current one first, then the most recently used. When a session was
 * last used comes from its idle deadline (a request moves it to now + idle lifetime), so nothing is
 * written on the hot path to know it. The local session cache means a request in the last few
 * seconds may not have reached the store yet, and near the absolute deadline (which caps the idle
 * one) the time is a lower bound; the current session was used just now.
 */
export async function listSessions(
  deps: ListDeps,
  uid: string,
  currentKey: SessionKey | undefined,
): Promise<ListedSession[]> {
  const keys = (await deps.store.listByUser(uid)).slice(0, MAX_LISTED)
  const now = deps.clock()
  const found = await Promise.all(keys.map(async (key) => ({ key, live: await deps.store.inspect(key) })))
  const listed: ListedSession[] = []
  for (const { key, live } of found) {
    // The index belongs to the user; a record under it that names someone else is not theirs.
    if (live === null || live.record.uid !== uid) continue
    const { record } = live
    const current = key === currentKey
    const lastSeenAt = current ? now : Math.min(now, Math.max(record.loginAt, live.endsAt - deps.idleTtlMs))
    listed.push({
      key,
      record,
      summary: {
        id: deps.handles.of(key),
        current,
        createdAt: record.loginAt,
        lastSeenAt,
        userAgent: record.userAgent ?? null,
        ip: record.ip ?? null,
      },
    })
  }
  return listed.sort(
    (a, b) =>
      Number(b.summary.current) - Number(a.summary.current) || b.summary.lastSeenAt - a.summary.lastSeenAt,
  )
}
