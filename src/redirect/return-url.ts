import { type AllowedHost, type Endpoint, endpointOf, hostAllows, parseAllowedHost } from './allowed-hosts.ts'
import {
  hasControlCharacter,
  hasMalformedPercent,
  isPrintableAsciiWithoutSpace,
  MAX_RETURN_URL_BYTES,
  percentLayers,
} from './characters.ts'

/**
 * Return-URL validation, the open-redirect defence of every endpoint that redirects (login `rd`,
 * logout `rd`, the forward-auth login redirect). One reading of the input decides: the raw value
 * is checked before any parser sees it, parsed once with the WHATWG URL parser (what browsers
 * use), and the normalized result is what the caller puts in `Location`. Anything doubtful is
 * refused and the caller falls back to the default.
 */

/** Why a return URL was refused: a closed set, for logs and metrics. Never shown as-is to users. */
export type ReturnUrlRefusal =
  | 'missing' // undefined, null, empty, or not a string (e.g. a repeated query parameter)
  | 'too-long' // over 8 KiB, before or after normalization
  | 'not-printable-ascii' // raw control character, space or non-ASCII (look-alike slashes)
  | 'backslash' // browsers read `\` as `/`
  | 'malformed-percent' // `%` without two hex digits
  | 'encoding-too-deep' // still changing after several percent-decodings
  | 'encoded-control-or-backslash' // a control character or `\` once percent-decoded
  | 'scheme-relative' // a path starting `//`, raw, decoded or after dot segments
  | 'path-not-printable-ascii' // a path that decodes to space or non-ASCII
  | 'not-a-path-or-http-url' // another scheme, `https:host`, `https:/host`, no leading `/`
  | 'userinfo' // `user@host`: the classic `good.test@evil.test`
  | 'bad-authority' // a host or port not in plain form (percent-encoded, empty label, `:`, leading 0)
  | 'unparseable' // the URL parser refused it
  | 'host-not-allowed' // neither the public origin nor on the allow-list

export interface ReturnUrlPolicy {
  /** `scheme://host[:port]` of fxa-gate itself; relative paths are resolved against it. */
  readonly publicOrigin: string
  readonly publicEndpoint: Endpoint
  readonly allowedHosts: readonly AllowedHost[]
  /** Normalized default, itself a checked relative path. */
  readonly defaultRedirect: string
}

export type ReturnUrlCheck = { ok: true; url: string } | { ok: false; reason: ReturnUrlRefusal }

export interface ReturnUrlPolicyOptions {
  /** fxa-gate's external URL; its own origin (scheme, host and port) is always allowed. */
  publicUrl: string
  /** `host` (any port), `host:port` (that port only), `*.domain` (strict sub-domains, any port). */
  allowedHosts: readonly string[]
  /** A relative path, used when the input is missing or refused. */
  defaultRedirect: string
}

/**
 * Compiles the options once at start-up into a frozen policy. Throws a TypeError listing every
 * unusable option (public URL not http(s), bad allow-list entry, unsafe default).
 */
export function compileReturnUrlPolicy(options: ReturnUrlPolicyOptions): ReturnUrlPolicy {
  const built = buildPolicy(options)
  if (Array.isArray(built)) throw new TypeError(`return-URL policy: ${built.join('; ')}`)
  return built
}

/** Every problem compileReturnUrlPolicy would throw for, for the configuration loader to report with the rest. */
export function returnUrlPolicyProblems(options: ReturnUrlPolicyOptions): string[] {
  const built = buildPolicy(options)
  return Array.isArray(built) ? built : []
}

function buildPolicy(options: ReturnUrlPolicyOptions): ReturnUrlPolicy | string[] {
  const problems: string[] = []
  const publicEndpoint = publicEndpointOf(options.publicUrl)
  if (!publicEndpoint) {
    problems.push(
      `publicUrl ${JSON.stringify(options.publicUrl)}: expected an http(s) URL without credentials`,
    )
  }
  const allowedHosts: AllowedHost[] = []
  for (const entry of options.allowedHosts) {
    const parsed = parseAllowedHost(entry)
    if (typeof parsed === 'string') problems.push(`allowedHosts ${JSON.stringify(entry)}: ${parsed}`)
    else allowedHosts.push(parsed)
  }
  if (!publicEndpoint) return problems
  const draft = {
    publicOrigin: originOf(publicEndpoint),
    publicEndpoint: Object.freeze(publicEndpoint),
    allowedHosts: Object.freeze(allowedHosts),
    defaultRedirect: '/',
  }
  // The default is held to the same rules: it ends up in Location just like a user's value.
  const fallback = options.defaultRedirect.startsWith('/')
    ? checkReturnUrl(draft, options.defaultRedirect)
    : undefined
  if (!fallback?.ok) {
    const reason = fallback ? fallback.reason : 'not a relative path'
    problems.push(`defaultRedirect ${JSON.stringify(options.defaultRedirect)}: ${reason}`)
  }
  if (problems.length > 0 || !fallback?.ok) return problems
  return Object.freeze({ ...draft, defaultRedirect: fallback.url })
}

/** Decides on one reading of the input: a safe relative path or an absolute http(s) URL on the allow-list. */
export function checkReturnUrl(policy: ReturnUrlPolicy, input: string | undefined | null): ReturnUrlCheck {
  if (typeof input !== 'string' || input === '') return refuse('missing')
  const problem = rawProblem(input)
  if (problem) return refuse(problem)
  if (input.startsWith('/')) return checkRelativePath(policy, input)
  // `scheme://` literally: `https:evil.test` and `https:/evil.test` are URLs to the WHATWG parser.
  if (/^https?:\/\//i.test(input)) return checkAbsoluteUrl(policy, input)
  return refuse('not-a-path-or-http-url')
}

/** checkReturnUrl, falling back to the policy's default. The result is always safe to put in a Location header. */
export function resolveReturnUrl(policy: ReturnUrlPolicy, input: string | undefined | null): string {
  const check = checkReturnUrl(policy, input)
  return check.ok ? check.url : policy.defaultRedirect
}

function refuse(reason: ReturnUrlRefusal): ReturnUrlCheck {
  return { ok: false, reason }
}

/** Rules on the raw value, whichever form it has. The length check comes first and bounds all later work. */
function rawProblem(input: string): ReturnUrlRefusal | undefined {
  // Characters ≤ bytes; once the value is known to be ASCII, characters = bytes.
  if (input.length > MAX_RETURN_URL_BYTES) return 'too-long'
  if (!isPrintableAsciiWithoutSpace(input)) return 'not-printable-ascii'
  if (input.includes('\\')) return 'backslash'
  if (hasMalformedPercent(input)) return 'malformed-percent'
  return undefined
}

/**
 * A path on fxa-gate's own origin. Every percent-decoded layer must still be a safe path, so a
 * downstream that decodes once more (`/%2F%2Fevil.test`, `/%09/evil.test`) cannot make it
 * scheme-relative. The output is the parser's normalization, checked again with the same rules.
 */
function checkRelativePath(policy: ReturnUrlPolicy, input: string): ReturnUrlCheck {
  const problem = relativePathProblem(policy, input)
  if (problem) return refuse(problem)
  const normalized = pathOf(new URL(input, policy.publicOrigin))
  if (normalized.length > MAX_RETURN_URL_BYTES) return refuse('too-long')
  const again = relativePathProblem(policy, normalized)
  return again ? refuse(again) : { ok: true, url: normalized }
}

function relativePathProblem(policy: ReturnUrlPolicy, value: string): ReturnUrlRefusal | undefined {
  if (!isPrintableAsciiWithoutSpace(value)) return 'not-printable-ascii'
  const layers = percentLayers(value)
  if (!layers) return 'encoding-too-deep'
  for (const layer of layers) {
    if (hasControlCharacter(layer) || layer.includes('\\')) return 'encoded-control-or-backslash'
    const path = layer.split(/[?#]/, 1)[0] ?? ''
    if (path.startsWith('//')) return 'scheme-relative'
    // Query and fragment may hold encoded spaces and UTF-8 (search terms); the path, which decides
    // where the browser goes, may not: no look-alike slash or invalid UTF-8 can hide in it.
    if (!isPrintableAsciiWithoutSpace(path)) return 'path-not-printable-ascii'
    const resolved = parseOrUndefined(layer, policy.publicOrigin)
    if (!resolved || resolved.origin !== policy.publicOrigin) return 'unparseable'
    // Dot segments: `/a/..//evil.test` and `/.//evil.test` resolve to `//evil.test`.
    if (resolved.pathname.startsWith('//')) return 'scheme-relative'
  }
  return undefined
}

/** `scheme://host[:port]` with nothing odd: plain labels (one trailing dot allowed) or bracketed IPv6, no leading-zero port. */
const PLAIN_AUTHORITY = /^(?:[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.?|\[[0-9A-Fa-f:.]+\])(?::[1-9][0-9]{0,4})?$/

/** An absolute http(s) URL whose endpoint is fxa-gate's own origin or on the allow-list. */
function checkAbsoluteUrl(policy: ReturnUrlPolicy, input: string): ReturnUrlCheck {
  const authority = input.slice(input.indexOf('//') + 2).split(/[/?#]/, 1)[0] ?? ''
  // Refused on the raw text, even `https://@host`, which the WHATWG parser reads as having no userinfo.
  if (authority.includes('@')) return refuse('userinfo')
  if (!PLAIN_AUTHORITY.test(authority)) return refuse('bad-authority')
  const layers = percentLayers(input)
  if (!layers) return refuse('encoding-too-deep')
  if (layers.some((layer) => hasControlCharacter(layer) || layer.includes('\\'))) {
    return refuse('encoded-control-or-backslash')
  }
  const url = parseOrUndefined(input)
  if (!url) return refuse('unparseable')
  if (url.username !== '' || url.password !== '') return refuse('userinfo')
  const endpoint = endpointOf(url)
  if (!endpoint) return refuse('bad-authority')
  if (!isAllowedEndpoint(policy, endpoint)) return refuse('host-not-allowed')
  const normalized = originOf(endpoint) + pathOf(url)
  if (normalized.length > MAX_RETURN_URL_BYTES) return refuse('too-long')
  if (!isPrintableAsciiWithoutSpace(normalized)) return refuse('not-printable-ascii')
  return { ok: true, url: normalized }
}

/** fxa-gate's own origin (scheme, host and port all equal), or an allow-list entry (http or https). */
function isAllowedEndpoint(policy: ReturnUrlPolicy, endpoint: Endpoint): boolean {
  const own = policy.publicEndpoint
  if (
    endpoint.protocol === own.protocol &&
    endpoint.hostname === own.hostname &&
    endpoint.port === own.port
  ) {
    return true
  }
  return policy.allowedHosts.some((allowed) => hostAllows(allowed, endpoint))
}

function publicEndpointOf(publicUrl: string): Endpoint | undefined {
  const url = parseOrUndefined(publicUrl)
  if (url === undefined) return undefined
  // Credentials in the public URL would be echoed into every redirect to its origin.
  return url.username === '' && url.password === '' ? endpointOf(url) : undefined
}

/** `scheme://host[:port]`, the port only when it is not the scheme's default (as browsers serialize it). */
function originOf(endpoint: Endpoint): string {
  const defaultPort = endpoint.protocol === 'https:' ? 443 : 80
  const port = endpoint.port === defaultPort ? '' : `:${endpoint.port}`
  return `${endpoint.protocol}//${endpoint.hostname}${port}`
}

/** The parser's own serialization after the origin (keeps an empty `?` or `#`, unlike `search` and `hash`). */
function pathOf(url: URL): string {
  return url.href.slice(url.origin.length)
}

function parseOrUndefined(input: string, base?: string): URL | undefined {
  try {
    return new URL(input, base)
  } catch {
    return undefined
  }
}
