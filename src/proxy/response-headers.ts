const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]

/**
 * The upstream's response headers as the client should get them: hop-by-hop headers (and the names
 * the upstream listed in Connection) describe the upstream connection, not this one.
 */
export function stripResponseHopByHop<T extends Record<string, unknown>>(headers: T): T {
  const listed = headers['connection']
  if (typeof listed === 'string') {
    for (const name of listed.split(',')) delete headers[name.trim().toLowerCase()]
  }
  // Deleting only what is there keeps the object's shape (and later reads) fast.
  for (const name of HOP_BY_HOP) if (headers[name] !== undefined) delete headers[name]
  return headers
}

/**
 * Set-Cookie lines from the upstream that name fxa-gate's own cookies are dropped: an application
 * (or whoever controls it) must not be able to plant or overwrite a session in the browser.
 */
export function compileResponseCookieFilter(ownNames: readonly string[]) {
  const own = new Set(ownNames)
  const nameOf = (line: string) => line.slice(0, line.indexOf('=')).trim()
  return function dropOwnCookies<T extends Record<string, unknown>>(headers: T): T {
    const value = headers['set-cookie']
    if (value === undefined) return headers
    const lines = Array.isArray(value) ? (value as string[]) : [String(value)]
    const kept = lines.filter((line) => !own.has(nameOf(line)))
    if (kept.length !== lines.length) {
      if (kept.length === 0) delete headers['set-cookie']
      else (headers as Record<string, unknown>)['set-cookie'] = kept
    }
    return headers
  }
}
