import { GateError } from '../errors.ts'
import { foldHeaderName, type HeaderHygiene } from './hygiene.ts'

/**
 * The refusal of an auth request that carries an identity-shaped client header, or undefined. The
 * proxy in front copies the client's headers onto the auth request as they will reach the
 * application, after its own clearing (deploy/examples/): a name still there is one the proxy
 * could not clear (`X--User-Id` through nginx or Caddy, any family through Traefik), so the
 * application would see it beside fxa-gate's answer. `proxySet` names, folded, are ones the proxy
 * itself writes on the auth request.
 */
export function forgedIdentityRefusal(
  rawHeaders: readonly string[],
  hygiene: HeaderHygiene,
  proxySet: ReadonlySet<string> = new Set(),
): GateError | undefined {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!
    if (hygiene.isIdentityName(name) && !proxySet.has(foldHeaderName(name))) {
      // The name only: its value may be a credential (X-Forwarded-Access-Token).
      return new GateError('FORGED_IDENTITY_HEADER', { detail: `client header ${name.slice(0, 64)}` })
    }
  }
  return undefined
}
