import type { LogCode } from '../observability/log-codes.ts'
import type { Logger } from '../observability/logger.ts'
import type { Metrics } from '../observability/metrics.ts'

/** What kind of stored datum was bad. */
export type RecordKind =
  | 'session'
  | 'user_index'
  | 'token'
  | 'token_index'
  | 'event'
  | 'event_user'
  /** A service's node table, user assignments or their bookkeeping. */
  | 'node'
  /** A user's credential high-water mark (#12). */
  | 'credential_mark'
  /** A session's revalidation lock (#12): of the wrong type, or one that would never expire. */
  | 'revalidation_lock'

/** How it was bad: not parseable, not of the schema, a MAC that does not verify, a key of the wrong type. */
export type RecordProblem = 'unparsable' | 'schema' | 'mac' | 'wrong_type'

/** Where the stores report bad data they found (and deleted or repaired). */
export interface RecordFaults {
  report(kind: RecordKind, problem: RecordProblem): void
}

/**
 * One log line per bad datum, with the code `STORE_RECORD_INVALID`, and a count in
 * `fxa_gate_store_invalid_records_total{kind,problem}`. A datum is reported by the replica that
 * deletes it, so each is logged once. Never its content: it may hold another user's identity.
 */
export function createRecordFaults(deps: { logger: Logger; metrics: Metrics }): RecordFaults {
  return {
    report(kind, problem) {
      deps.metrics.storeInvalidRecords.inc({ kind, problem })
      deps.logger.warn(
        { code: 'STORE_RECORD_INVALID' satisfies LogCode, kind, problem },
        'invalid data in Redis deleted or repaired',
      )
    },
  }
}

/** For stores that cannot hold bad data (memory). */
export const NO_RECORD_FAULTS: RecordFaults = { report: () => {} }
