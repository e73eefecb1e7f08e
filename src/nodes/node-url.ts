/** Node URLs are names as well as addresses: the longest one kept (a header value, a Redis field). */
const MAX_NODE_URL = 255

/**
 * The one spelling of a node's URL (`https://node1.example.com`, `http://10.0.0.7:8080/v1`): what
 * configuration, the `nodes` command, Redis and X-User-Node all use, so that one node is never two.
 * Lower-case host, no default port, no trailing slash; no user info, query or fragment. Returns a
 * problem in words for anything else.
 */
export function canonicalNodeUrl(raw: string): { url: string } | { problem: string } {
  let parsed: URL
  try {
    parsed = new URL(raw)
  } catch {
    return { problem: 'expected an http(s) URL such as https://node1.example.com' }
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return { problem: 'a node URL must be http or https' }
  if (parsed.username !== '' || parsed.password !== '') return { problem: 'a node URL has no user info' }
  if (parsed.search !== '' || parsed.hash !== '' || raw.includes('?') || raw.includes('#'))
    return { problem: 'a node URL has no query or fragment' }
  const path = parsed.pathname === '/' ? '' : parsed.pathname.replace(/\/+$/, '')
  const url = `${parsed.protocol}//${parsed.host}${path}`
  if (url.length > MAX_NODE_URL) return { problem: `a node URL has at most ${MAX_NODE_URL} characters` }
  // Printable ASCII only (the URL serializer percent-encodes the rest): it travels in a header.
  if (!/^[\x21-\x7e]+$/.test(url)) return { problem: 'a node URL must be printable ASCII' }
  return { url }
}
