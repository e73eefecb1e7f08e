import type { CleanedHeaders } from '../headers/hygiene.ts'
import { encodeHeaderValue } from '../headers/identity-headers.ts'

export type UpstreamHeaders = Record<string, string | string[]>

export interface ForwardingFacts {
  /** The host the decision was made on (validated, canonical). */
  readonly host: string
  readonly scheme: 'http' | 'https'
  /** The socket's peer address. */
  readonly peer: string | undefined
  /** The X-Forwarded-For chain a trusted peer sent, to append to; undefined otherwise. */
  readonly trustedForwardedFor: string | undefined
}

/**
 * The headers of the upstream request: the client's cleaned headers, then what fxa-gate writes.
 * Called after hop-by-hop processing, so nothing a client lists in `Connection` can remove these.
 */
export function upstreamHeaders(
  cleaned: CleanedHeaders,
  facts: ForwardingFacts,
  identity: Readonly<Record<string, string>>,
  options: {
    readonly authorization: boolean
    readonly assertion?: { readonly name: string; readonly token: string } | undefined
    /** The user's node for the service (X-User-Node), when it has nodes. */
    readonly node?: { readonly name: string; readonly value: string } | undefined
  },
): UpstreamHeaders {
  const headers: UpstreamHeaders = cleaned.headers
  headers['host'] = facts.host
  const peer = facts.peer ?? 'unknown'
  headers['x-forwarded-for'] = facts.trustedForwardedFor ? `${facts.trustedForwardedFor}, ${peer}` : peer
  headers['x-forwarded-proto'] = facts.scheme
  headers['x-forwarded-host'] = facts.host
  if (options.authorization && cleaned.authorization !== undefined)
    headers['authorization'] = cleaned.authorization
  for (const name in identity) headers[name] = identity[name]!
  if (options.assertion !== undefined) headers[options.assertion.name] = options.assertion.token
  if (options.node !== undefined) headers[options.node.name] = encodeHeaderValue(options.node.value)
  return headers
}
