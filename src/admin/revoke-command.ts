import { setTimeout as sleep } from 'node:timers/promises'
import { buildGate } from '../app.ts'
import type { Config } from '../config/derive.ts'
import { GateError } from '../errors.ts'
import { createLogger } from '../observability/logger.ts'
import { openStores } from '../session/open-store.ts'
import type { SessionStore } from '../session/types.ts'

const UID = /^[\x21-\x7e]{1,255}$/

export interface CommandOutput {
  write(text: string): void
}

/**
 * `fxa-gate sessions revoke --user <uid>`: connects to the configured Redis and revokes the user
 * through the same `accounts.revoke` as the admin endpoint and password-change events, so every
 * running replica drops the sessions and cached token results at once. Returns the exit code.
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
  const stores = openStores(config, logger)
  try {
    await reachable(stores.sessions, 10_000)
    const gate = buildGate(config, {
      store: stores.sessions,
      tokenStore: stores.tokens,
      eventState: stores.events,
      revalidationLocks: stores.locks,
      tokenReaperStore: stores.reaper,
      credentialMarks: stores.marks,
      logger,
    })
    try {
      const ended = await gate.ctx.accounts.revoke(uid, { reason: 'operator' })
      out.write(
        `revoked ${uid}: ${ended} session${ended === 1 ? '' : 's'} ended in every replica, cached token results dropped\n`,
      )
      return 0
    } finally {
      await gate.close()
    }
  } catch (error) {
    const code = error instanceof GateError ? error.code : (error as Error).message
    err.write(`fxa-gate: could not revoke ${uid}: ${code}\n`)
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
