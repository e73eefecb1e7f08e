/**
 * Codes that appear in log lines only (the answers' codes are in src/errors.ts; lines about a failed
 * request carry those). docs/errors.md lists both.
 */
export const LOG_CODES = {
  STORE_RECORD_INVALID:
    'Invalid data found in Redis (`kind`: session, user_index, token, token_index, event, event_user, node, credential_mark, revalidation_lock; `problem`: unparsable, schema, mac, wrong_type): deleted or repaired, and answered as absent (no session, or a fresh check with FxA). One line per datum, never its content; counted in `fxa_gate_store_invalid_records_total`.',
} as const

export type LogCode = keyof typeof LOG_CODES
