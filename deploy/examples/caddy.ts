/** Caddy: the site block with `forward_auth` to fxa-gate (what the Caddy tests run). */
import { IDENTITY_HEADERS, strippedNameGlobs, UNUSUAL_NAME_CHARACTERS } from './headers.ts'

export interface CaddyInput {
  /** Site address, e.g. `app.example.com` or `http://127.0.0.1:8080`. */
  readonly site: string
  /** fxa-gate as Caddy reaches it, `host:port`. */
  readonly gate: string
  /** The application, `host:port`. */
  readonly upstream: string
}

/**
 * `request_header` deletions that leave no identity-shaped client header: every name with a
 * character other than a letter, digit or `-` (Caddy matches names with a `*` at either end only,
 * and servers behind it may read such a character as `-`), then the sidecar's names in Go's
 * canonical spelling, which Go gives every remaining name. What is left (`X--User-Id`) fxa-gate
 * refuses when it sees it on the auth request.
 */
export function caddyIdentityDeletions(): string[] {
  return [
    ...UNUSUAL_NAME_CHARACTERS.map((char) => `request_header "-*${char}*"`),
    ...strippedNameGlobs().map((glob) => `request_header -${glob}`),
  ]
}

/** A Caddyfile site block with `forward_auth` to fxa-gate's Traefik-style endpoint. */
export function caddySite(input: CaddyInput): string {
  const matcher = (name: string) => `@fxa_gate_no_${name.toLowerCase().replace(/-/g, '_')}`
  return [
    `${input.site} {`,
    // `route` keeps the written order; Caddy would otherwise run request_header after forward_auth.
    '\troute {',
    '\t\t# Identity headers come from fxa-gate only: drop every client-sent one first (older Caddy',
    "\t\t# releases keep a client's copy of a header that the answer does not set). Like nginx,",
    "\t\t# drop every header name with a character other than a letter, a digit or '-'.",
    ...caddyIdentityDeletions().map((line) => `\t\t${line}`),
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
