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
