import type { IncomingHttpHeaders } from 'node:http'

/**
 * A top-level browser navigation gets a redirect to the login; everything else (fetch, XHR, API
 * clients, websockets) gets a 401 it can act on. See "Telling a browser from an API client".
 */
export function isNavigation(headers: IncomingHttpHeaders): boolean {
  if (headers['x-requested-with']?.toString().toLowerCase() === 'xmlhttprequest') return false
  if (headers.upgrade !== undefined) return false
  const mode = headers['sec-fetch-mode']
  if (mode !== undefined) return mode === 'navigate'
  return headers.accept?.includes('text/html') ?? false
}
