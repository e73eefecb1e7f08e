import { decodeProtectedHeader, errors, jwtVerify } from 'jose'
import { GateError } from '../errors.ts'
import type { ProviderKeys } from './provider-keys.ts'

/** Why a Security Event Token was refused: a closed set, logged and counted, never sent back. */
export type SetRejection =
  | 'missing'
  | 'malformed'
  | 'algorithm'
  | 'unknown_key'
  | 'signature'
  | 'issuer'
  | 'audience'
  | 'issued_in_future'
  | 'expired'
  | 'claims'
  | 'not_a_set'

export class SetRejected extends Error {
  readonly reason: SetRejection
  constructor(reason: SetRejection, detail?: string) {
    super(detail ?? reason)
    this.name = 'SetRejected'
    this.reason = reason
  }
}

/** The claims of a verified SET that fxa-gate uses. */
export interface VerifiedSet {
  readonly sub: string
  readonly jti: string
  /** Seconds since the epoch, possibly fractional. */
  readonly iat: number
  readonly events: Record<string, unknown>
}

export interface SetVerifierOptions {
  /** The expected `iss`; the same with one trailing slash is accepted too. */
  readonly issuer: string
  /** The expected `aud`: our client id. */
  readonly audience: string
  readonly keys: ProviderKeys
  readonly clock: () => number
  /** How far in the future `iat` (and `nbf`, `exp`) may be off. Default 5 s. */
  readonly leewaySeconds?: number
}

// A compact JWS; the signature part may only be empty so that `alg: none` is refused by name below.
const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i
const MAX_TOKEN = 16 * 1024
const ID = /^[\x21-\x7e]{1,255}$/
const SET_TYPES = new Set(['jwt', 'secevent+jwt'])

/**
 * Verifies the `Authorization: Bearer <SET>` of an FxA account event: RS256 only, signed by a key
 * of the provider's JWKS, `iss`, `aud`, `iat` not in the future, `sub`, `jti` and a non-empty
 * `events` object (which an ID token or access token signed by the same key never has). FxA's
 * SETs carry no `exp`; one present is checked. Throws SetRejected for an invalid token and
 * GateError PROVIDER_UNAVAILABLE when the keys cannot be had (so that FxA delivers again).
 */
export function createSetVerifier(options: SetVerifierOptions) {
  const leeway = options.leewaySeconds ?? 5
  const issuer = options.issuer.replace(/\/+$/, '')
  const verifyOptions = {
    algorithms: ['RS256'],
    issuer: [issuer, `${issuer}/`],
    audience: options.audience,
    clockTolerance: leeway,
    requiredClaims: ['iss', 'aud', 'sub', 'iat', 'jti'],
  }

  /** `authorization`: the header's value, or every value when the request may repeat it. */
  return async function verifySet(
    authorization: string | readonly string[] | undefined,
  ): Promise<VerifiedSet> {
    if (typeof authorization !== 'string' && authorization !== undefined) {
      if (authorization.length > 1) throw new SetRejected('malformed', 'several Authorization headers')
      authorization = authorization[0]
    }
    if (authorization === undefined || authorization === '') throw new SetRejected('missing')
    if (authorization.length > MAX_TOKEN) throw new SetRejected('malformed', 'too long')
    const token = BEARER.exec(authorization)?.[1]
    if (token === undefined) throw new SetRejected('malformed', 'not Bearer <compact JWS>')
    let header: ReturnType<typeof decodeProtectedHeader>
    try {
      header = decodeProtectedHeader(token)
    } catch {
      throw new SetRejected('malformed', 'unreadable header')
    }
    if (header.alg !== 'RS256') throw new SetRejected('algorithm', `alg ${String(header.alg).slice(0, 20)}`)
    if (
      header.typ !== undefined &&
      !SET_TYPES.has(
        String(header.typ)
          .toLowerCase()
          .replace(/^application\//, ''),
      )
    ) {
      throw new SetRejected('not_a_set', `typ ${String(header.typ).slice(0, 40)}`)
    }

    const wasCoolingDown = options.keys.coolingDown()
    let payload: Record<string, unknown>
    try {
      const now = options.clock()
      ;({ payload } = await jwtVerify(token, options.keys.getKey, {
        ...verifyOptions,
        currentDate: new Date(now),
      }))
    } catch (error) {
      const reason = rejectionOf(error)
      if (reason === 'unknown_key' && wasCoolingDown) {
        // The key set may have rotated since the last fetch, which may not be repeated yet.
        throw new GateError('PROVIDER_UNAVAILABLE', {
          detail: 'event signed with an unknown kid during the JWKS cooldown',
          retryAfterSeconds: 30,
        })
      }
      if (reason !== undefined) throw new SetRejected(reason, (error as Error).message)
      if (error instanceof GateError) throw error
      throw new GateError('PROVIDER_UNAVAILABLE', {
        cause: error,
        detail: 'provider keys (JWKS) unavailable',
      })
    }

    const { sub, jti, iat, events } = payload
    if (typeof sub !== 'string' || !ID.test(sub)) throw new SetRejected('claims', 'sub')
    if (typeof jti !== 'string' || !ID.test(jti)) throw new SetRejected('claims', 'jti')
    if (typeof iat !== 'number' || !Number.isFinite(iat) || iat <= 0) throw new SetRejected('claims', 'iat')
    if (iat > options.clock() / 1000 + leeway) throw new SetRejected('issued_in_future')
    if (
      typeof events !== 'object' ||
      events === null ||
      Array.isArray(events) ||
      Object.keys(events).length === 0
    ) {
      throw new SetRejected('not_a_set', 'no events')
    }
    return { sub, jti, iat, events: events as Record<string, unknown> }
  }
}

/** jose's error classes → a rejection; undefined for failures to obtain the keys. */
function rejectionOf(error: unknown): SetRejection | undefined {
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature'
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys)
    return 'unknown_key'
  if (error instanceof errors.JWTExpired) return 'expired'
  if (error instanceof errors.JWTClaimValidationFailed) {
    return error.claim === 'iss' ? 'issuer' : error.claim === 'aud' ? 'audience' : 'claims'
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported)
    return 'algorithm'
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'malformed'
  return undefined
}
