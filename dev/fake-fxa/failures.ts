import type { ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { failureBody } from './errors.ts'
import { sendJson } from './http.ts'
import { type FailureEndpoint, type FailureMode, failureEndpoints } from './types.ts'

/** The misbehaviour a test has asked of each endpoint. */
export interface FailureSwitch {
  set(endpoint: string, mode: FailureMode | null): void
  /** Applies the endpoint's failure, if any; true when the response has been sent. */
  apply(endpoint: FailureEndpoint, res: ServerResponse): Promise<boolean>
}

export function createFailureSwitch(): FailureSwitch {
  const modes = new Map<FailureEndpoint, FailureMode>()

  function set(endpoint: string, mode: FailureMode | null): void {
    if (!isFailureEndpoint(endpoint)) {
      throw new TypeError(`fake FxA: cannot fail "${endpoint}"; choose one of ${failureEndpoints.join(', ')}`)
    }
    if (mode === null) modes.delete(endpoint)
    else modes.set(endpoint, mode)
  }

  async function apply(endpoint: FailureEndpoint, res: ServerResponse): Promise<boolean> {
    const mode = modes.get(endpoint)
    if (mode === undefined) return false
    if ('delayMs' in mode) {
      await sleep(mode.delayMs)
      return false
    }
    if ('nonJson' in mode) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      res.end('<html><body>502 Bad Gateway (not JSON)</body></html>')
      return true
    }
    const headers: Record<string, string> =
      mode.retryAfter === undefined ? {} : { 'retry-after': String(mode.retryAfter) }
    if (mode.body !== undefined) {
      res.writeHead(mode.status, headers)
      res.end(mode.body)
    } else {
      sendJson(res, mode.status, failureBody(mode.status, mode.retryAfter), headers)
    }
    return true
  }

  return { set, apply }
}

function isFailureEndpoint(name: string): name is FailureEndpoint {
  return (failureEndpoints as readonly string[]).includes(name)
}
