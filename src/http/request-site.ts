import type { IncomingHttpHeaders } from 'node:http'

/**
 * Where a browser says a request comes from: `same-origin` (a page of this origin), `user` (typed,
 * a bookmark: no page asked for it), `other` (another origin, same-site included, or an unreadable
 * answer), `unknown` (neither Sec-Fetch-Site nor Origin: an old browser or not a browser at all).
 * Pages cannot forge either header in a browser, which is what makes this a CSRF defence.
 */
export type RequestSite = 'same-origin' | 'user' | 'other' | 'unknown'

export function requestSite(
  headers: IncomingHttpHeaders,
  isOwnOrigin: (origin: string) => boolean,
): RequestSite {
  const site = headers['sec-fetch-site']
  if (site !== undefined) return site === 'same-origin' ? 'same-origin' : site === 'none' ? 'user' : 'other'
  const origin = headers.origin
  if (origin === undefined) return 'unknown'
  return isOwnOrigin(origin) ? 'same-origin' : 'other'
}
