import type { IncomingHttpHeaders } from 'node:http'
import type { GateError } from '../errors.ts'
import { isNavigation } from './navigation.ts'

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ESCAPES[char]!)
}

/** The HTML error page a browser navigation gets. */
export function errorPage(
  status: number,
  message: string,
  reference: string,
  link?: { href: string; text: string },
): string {
  const action = link ? `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>` : ''
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${status}</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#20123a}h1{font-size:1.4rem}</style></head><body><h1>${escapeHtml(message)}</h1>${action}<p><small>fxa-gate · ${status} · reference: ${escapeHtml(reference)}</small></p></body></html>`
}

export interface ErrorAnswer {
  readonly status: number
  /** Flat header list: name, value, name, value… */
  readonly headers: string[]
  readonly body: string
}

/**
 * The answer for an error code, independent of any framework: an HTML page for a browser
 * navigation, JSON otherwise. The body holds the code's public message only, never a cause or stack.
 */
export function errorAnswer(
  error: GateError,
  requestHeaders: IncomingHttpHeaders,
  extra: { loginUrl?: string; reference?: string } = {},
  format: 'negotiate' | 'json' = 'negotiate',
): ErrorAnswer {
  const headers = ['cache-control', 'no-store']
  if (error.retryAfterSeconds !== undefined) headers.push('retry-after', String(error.retryAfterSeconds))
  if (error.wwwAuthenticate !== undefined) headers.push('www-authenticate', error.wwwAuthenticate)
  if (format === 'negotiate' && isNavigation(requestHeaders)) {
    const link = extra.loginUrl ? { href: extra.loginUrl, text: 'Sign in' } : undefined
    headers.push('content-type', 'text/html; charset=utf-8')
    return {
      status: error.status,
      headers,
      body: errorPage(error.status, error.message, extra.reference ?? '', link),
    }
  }
  headers.push('content-type', 'application/json; charset=utf-8')
  const body = JSON.stringify({ error: error.code, message: error.message, ...extra })
  return { status: error.status, headers, body }
}
