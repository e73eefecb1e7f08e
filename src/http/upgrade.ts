import type { IncomingMessage } from 'node:http'

/**
 * Whether Node took the request as a protocol upgrade (`Upgrade` and `Connection: upgrade`, handed
 * to the server's `upgrade` listeners). An `Upgrade` header alone makes no upgrade: Node serves
 * such a request as a plain one, so it must be counted, limited and answered like one. Node sets
 * the flag on every request it parses (not in @types/node).
 */
export function isUpgrade(raw: IncomingMessage): boolean {
  return (raw as IncomingMessage & { upgrade?: boolean }).upgrade === true
}
