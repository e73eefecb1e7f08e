/** Caddy: the site block with `forward_auth` to fxa-gate (what the Caddy tests run). */
import { IDENTITY_HEADERS } from './headers.ts'

export interface CaddyInput {
  /** Site address, e.g. `app.example.com` or `http://127.0.0.1:8080`. */
  readonly site: string
  /** fxa-gate as Caddy reaches it, `host:port`. */
  readonly gate: string
  /** The application, `host:port`. */
  readonly upstream: string
}

/** Name prefixes of the identity headers (`X-User-`, `X-Auth-Request-`), for wildcard removal. */
function identityPrefixes(): string[] {
  return [...new Set(IDENTITY_HEADERS.map((name) => name.slice(0, name.lastIndexOf('-') + 1)))]
}

/** A Caddyfile site block with `forward_auth` to fxa-gate's Traefik-style endpoint. */
export function caddySite(input: CaddyInput): string {
  // Go keeps `X_User_Id` apart from `X-User-Id` (canonical form `X_user_id`); some frameworks merge them.
  const underscored = (prefix: string) => `${prefix[0]}${prefix.slice(1).toLowerCase().replace(/-/g, '_')}`
  const matcher = (name: string) => `@fxa_gate_no_${name.toLowerCase().replace(/-/g, '_')}`
  return [
    `${input.site} {`,
    // `route` keeps the written order; Caddy would otherwise run request_header after forward_auth.
    '\troute {',
    '\t\t# Identity headers come from fxa-gate only: drop every client-sent one first (older Caddy',
    "\t\t# releases keep a client's copy of a header that the answer does not set).",
    ...identityPrefixes().flatMap((prefix) => [
      `\t\trequest_header -${prefix}*`,
      `\t\trequest_header -${underscored(prefix)}*`,
    ]),
    `\t\tforward_auth ${input.gate} {`,
    "\t\t\t# The '?' keeps the client's query string off the auth request (Caddy appends it otherwise,",
    '\t\t\t# and fxa-gate reads auth URL parameters there).',
    '\t\t\turi /_gate/auth/traefik?',
    `\t\t\tcopy_headers ${IDENTITY_HEADERS.join(' ')}`,
    '\t\t}',
    '\t\t# Caddy 2.6 (Debian 12) sets a header the answer lacks to the placeholder text itself.',
    ...IDENTITY_HEADERS.flatMap((name) => [
      `\t\t${matcher(name)} header_regexp ${name} ^\\{http\\.reverse_proxy\\.header\\.`,
      `\t\trequest_header ${matcher(name)} -${name}`,
    ]),
    `\t\treverse_proxy ${input.upstream}`,
    '\t}',
    '}',
    '',
  ].join('\n')
}
