import { setTimeout as sleep } from 'node:timers/promises'
import type { Config } from '../config/derive.ts'
import { GateError } from '../errors.ts'
import { createLogger } from '../observability/logger.ts'
import { createMetrics } from '../observability/metrics.ts'
import { createRevocation } from '../revocation/revocation.ts'
import type { SessionStore } from '../session/types.ts'
import { openStores } from '../storage/open-stores.ts'

const UID = /^[\x21-\x7e]{1,255}$/

export interface CommandOutput {
  write(text: string): void
}

/**
 * `fxa-gate sessions revoke --user <uid>`: opens the configured stores (nothing else: no gate, no
 * provider) and revokes the user through the same `revocation.revoke` as the admin endpoint and
 * password-change events, so every running replica drops the sessions and cached token results at
 * once. Returns the exit code: 0 done and confirmed, 1 not confirmed (run it again), 2 usage.
 */
export async function revokeUserCommand(
  config: Config,
  uid: string | undefined,
  out: CommandOutput,
  err: CommandOutput,
): Promise<number> {
  if (uid === undefined || !UID.test(uid)) {
    err.write('fxa-gate: sessions revoke needs --user <uid> (the FxA uid)\n')
    return 2
  }
  if (config.redisUrl === undefined) {
    err.write(
      'fxa-gate: without FXA_GATE_REDIS_URL each gate keeps its sessions in its own memory; call POST /sessions/revoke on its admin listener instead\n',
    )
    return 2
  }
  const logger = createLogger({ level: 'error', destination: process.stderr })
  const metrics = createMetrics({ defaultMetrics: false })
  const stores = openStores(config, { logger, metrics })
  try {
    await reachable(stores.sessions, 10_000)
    const revocation = createRevocation({
      sessions: stores.sessions,
      tokens: stores.tokens,
      eventState: stores.events,
      logger,
      metrics,
    })
    // The running gates' token reapers destroy the ended sessions' provider tokens: make them due now.
    revocation.onUserRevoked((_uid, _reason, _before, ended) => stores.reaper.due(ended, Date.now()))
    const ended = await revocation.revoke(uid, { reason: 'operator' })
    out.write(
      `revoked ${uid}: ${ended} session${ended === 1 ? '' : 's'} ended in every replica, cached token results dropped\n`,
    )
    return 0
  } catch (error) {
    const code = error instanceof GateError ? error.code : (error as Error).message
    const retry =
      code === 'REPLICATION_UNCONFIRMED'
        ? ' (done on the Redis master, but its replicas did not confirm it: run the command again)'
        : ''
    err.write(`fxa-gate: could not revoke ${uid}: ${code}${retry}\n`)
    return 1
  } finally {
    await stores.close()
  }
}

/** Waits for the store to answer (the client fails commands fast until it has connected). */
async function reachable(store: SessionStore, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      await store.ping()
      return
    } catch (error) {
      if (Date.now() > deadline) throw error
      await sleep(50)
    }
  }
}
