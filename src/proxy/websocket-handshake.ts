import type { IncomingHttpHeaders } from 'node:http'

/** A Sec-WebSocket-Key: 16 random bytes in base64 (RFC 6455 §4.1). */
const KEY = /^[+/0-9A-Za-z]{21}[AQgw]==$/

/**
 * Whether an upgrade request is a websocket opening handshake the sidecar may tunnel (RFC 6455
 * §4.2.1): GET, `Upgrade: websocket`, a well-formed key, version 13 (or 8). Anything else — h2c,
 * another protocol, a malformed handshake — is refused with 400 rather than given a raw tunnel.
 */
export function isWebsocketHandshake(method: string | undefined, headers: IncomingHttpHeaders): boolean {
  if (method !== 'GET') return false
  const upgrade = headers.upgrade
  if (upgrade === undefined || upgrade.trim().toLowerCase() !== 'websocket') return false
  const key = headers['sec-websocket-key']
  if (typeof key !== 'string' || !KEY.test(key.trim())) return false
  const version = headers['sec-websocket-version']
  return version === '13' || version === '8'
}
