import { parseSetCookie } from 'cookie'

export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>

/** A browser's cookie store in miniature: host-only cookies, paths, expiry. Enough for FxA and fxa-gate. */
export interface CookieJar {
  /** fetch that sends and stores cookies. It does not follow redirects (each hop may set cookies). */
  readonly fetch: FetchLike
  /** The Cookie header this jar would send to `url`. */
  cookieHeader(url: string | URL): string
  clear(): void
}

interface StoredCookie {
  name: string
  value: string
  host: string
  path: string
  secure: boolean
  expiresAt: number
}

export function createCookieJar(baseFetch: FetchLike = fetch, now: () => number = Date.now): CookieJar {
  const cookies = new Map<string, StoredCookie>()

  function cookieHeader(input: string | URL): string {
    const url = new URL(input)
    const matching = [...cookies.values()].filter(
      (cookie) =>
        cookie.expiresAt > now() &&
        hostMatches(url.hostname, cookie.host) &&
        pathMatches(url.pathname, cookie.path) &&
        (!cookie.secure || url.protocol === 'https:'),
    )
    matching.sort((a, b) => b.path.length - a.path.length)
    return matching.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ')
  }

  function store(url: URL, header: string): void {
    const parsed = parseSetCookie(header, { decode: (value) => value })
    const host = parsed.domain?.replace(/^\./, '').toLowerCase() ?? url.hostname
    const path = parsed.path?.startsWith('/') ? parsed.path : defaultPath(url.pathname)
    const expiresAt =
      parsed.maxAge !== undefined
        ? now() + parsed.maxAge * 1000
        : (parsed.expires?.getTime() ?? Number.POSITIVE_INFINITY)
    const key = `${host}\t${path}\t${parsed.name}`
    if (expiresAt <= now()) cookies.delete(key)
    else {
      const value = parsed.value ?? ''
      cookies.set(key, { name: parsed.name, value, host, path, secure: parsed.secure === true, expiresAt })
    }
  }

  const jarFetch: FetchLike = async (input, init = {}) => {
    const url = new URL(input)
    const headers = new Headers(init.headers)
    const cookie = cookieHeader(url)
    if (cookie !== '' && !headers.has('cookie')) headers.set('cookie', cookie)
    const response = await baseFetch(url, { redirect: 'manual', ...init, headers })
    for (const header of response.headers.getSetCookie()) store(url, header)
    return response
  }

  return { fetch: jarFetch, cookieHeader, clear: () => cookies.clear() }
}

export interface LoginOptions {
  /** Press Cancel instead of Sign in (the client then gets error=access_denied). */
  cancel?: boolean
  password?: string
  /** The two-step code, when the account asks for one (default 123456). */
  code?: string
}

/**
 * Walks an authorization request through the fake FxA the way a browser would: follow redirects
 * on the FxA origin, fill in and submit the sign-in form if one is shown (an existing session may
 * skip it) and the two-step code form after it, and stop at the first redirect that leaves the FxA origin (the client's redirect_uri,
 * carrying `code` and `state`, or `error`). Returns that URL. Throws if the flow ends anywhere else.
 */
export async function loginWithForm(
  fetchWithJar: FetchLike,
  authorizationUrl: string | URL,
  email: string,
  options: LoginOptions = {},
): Promise<string> {
  let url = new URL(authorizationUrl)
  const fxaOrigin = url.origin
  let response = await fetchWithJar(url, { redirect: 'manual' })
  let submitted: 'nothing' | 'email' | 'code' = 'nothing'

  for (let hop = 0; hop < 20; hop += 1) {
    const location = response.headers.get('location')
    if (response.status >= 300 && response.status < 400 && location !== null) {
      await response.body?.cancel()
      const next = new URL(location, url)
      if (next.origin !== fxaOrigin) return next.href
      url = next
      response = await fetchWithJar(url, { redirect: 'manual' })
      continue
    }

    const text = await response.text()
    const action = /<form[^>]*\saction="([^"]+)"/.exec(text)?.[1]
    const asksCode = /<input[^>]*\sname="code"/.test(text)
    if (
      response.status !== 200 ||
      action === undefined ||
      submitted === 'code' ||
      (submitted === 'email' && !asksCode)
    ) {
      throw new Error(
        `fake FxA login stopped at ${url.pathname} with HTTP ${response.status}: ${text.slice(0, 300)}`,
      )
    }
    const fields: Record<string, string> =
      options.cancel === true
        ? { cancel: '1' }
        : asksCode
          ? { email, code: options.code ?? '123456' }
          : { email, password: options.password ?? 'password' }
    url = new URL(decodeHtml(action), url)
    response = await fetchWithJar(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    })
    submitted = asksCode ? 'code' : 'email'
  }
  throw new Error('fake FxA login: too many redirects')
}

function hostMatches(host: string, cookieHost: string): boolean {
  return host === cookieHost || host.endsWith(`.${cookieHost}`)
}

function pathMatches(path: string, cookiePath: string): boolean {
  return path === cookiePath || path.startsWith(cookiePath.endsWith('/') ? cookiePath : `${cookiePath}/`)
}

function defaultPath(path: string): string {
  const lastSlash = path.lastIndexOf('/')
  return lastSlash <= 0 ? '/' : path.slice(0, lastSlash)
}

function decodeHtml(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&amp;/g, '&')
}
