import { LRUCache } from 'lru-cache'
import { GateError } from '../errors.ts'

/** A token bucket: `rate` per second, holding at most `burst`. */
export interface Rate {
  readonly rate: number
  readonly burst: number
}

interface Bucket {
  tokens: number
  at: number
}

/** Clients whose buckets are remembered; a forgotten client starts again with a full bucket. */
const MAX_CLIENTS = 10_000

export interface CheckBudget {
  /**
   * Reserves one provider check for a token fxa-gate does not know, from the client's bucket and the
   * overall one. Throws TOO_MANY_REQUESTS (this client) or OVERLOADED (everyone) with a Retry-After.
   * The returned function gives the check back: a token that proved valid costs nothing.
   */
  reserve(client: string | undefined): () => void
}

function refill(bucket: Bucket, limit: Rate, now: number): void {
  bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.at) * limit.rate) / 1000)
  bucket.at = now
}

function secondsUntilOne(bucket: Bucket, limit: Rate): number {
  return Math.max(1, Math.ceil((1 - bucket.tokens) / limit.rate))
}

/**
 * Rations the provider checks of unknown tokens, per client address and overall. Only checks of
 * tokens that turn out invalid (or fail) stay spent, so valid tokens pass at any rate while at most
 * `burst` of their checks are in flight; a flood of made-up tokens costs at most
 * `burst + rate × seconds` provider calls per client, and the same overall.
 */
export function createCheckBudget(options: {
  readonly overall: Rate
  readonly perClient: Rate
  readonly clock: () => number
}): CheckBudget {
  const { overall, perClient, clock } = options
  const everyone: Bucket = { tokens: overall.burst, at: clock() }
  const clients = new LRUCache<string, Bucket>({ max: MAX_CLIENTS })
  const giveBack = (bucket: Bucket, limit: Rate) => {
    bucket.tokens = Math.min(limit.burst, bucket.tokens + 1)
  }
  return {
    reserve(client) {
      const now = clock()
      let own: Bucket | undefined
      if (client !== undefined) {
        own = clients.get(client)
        if (own === undefined) {
          own = { tokens: perClient.burst, at: now }
          clients.set(client, own)
        }
        refill(own, perClient, now)
        if (own.tokens < 1) {
          throw new GateError('TOO_MANY_REQUESTS', {
            detail: 'unknown bearer tokens from this client',
            retryAfterSeconds: secondsUntilOne(own, perClient),
          })
        }
      }
      refill(everyone, overall, now)
      if (everyone.tokens < 1) {
        throw new GateError('OVERLOADED', {
          detail: 'unknown bearer tokens overall',
          retryAfterSeconds: secondsUntilOne(everyone, overall),
        })
      }
      everyone.tokens -= 1
      if (own !== undefined) own.tokens -= 1
      const bucket = own
      let given = false
      return () => {
        if (given) return
        given = true
        giveBack(everyone, overall)
        if (bucket !== undefined) giveBack(bucket, perClient)
      }
    },
  }
}
