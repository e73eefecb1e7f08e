import type { IncomingHttpHeaders } from 'node:http'
import {
  describeRequest,
  HOST_ROUTED,
  type HostRouting,
  type RequestDescription,
  type RequestParts,
  splitAbsoluteUrl,
} from '../../src/decision/request.ts'

export interface PartsInput {
  readonly method?: string
  readonly scheme?: string
  readonly host: string
  readonly target: string
  /** Header lines as a client sends them: `[name, value]` pairs. */
  readonly headers?: readonly (readonly [string, string])[]
  readonly body?: RequestParts['body']
  readonly hostRouting?: HostRouting
  readonly peer?: string
}

/** Request parts the way a transport reads them, for tests of the description and the decision. */
export function partsOf(input: PartsInput): RequestParts {
  const rawHeaders = (input.headers ?? []).flat()
  const headers: IncomingHttpHeaders = {}
  for (const [name, value] of input.headers ?? []) headers[name.toLowerCase()] ??= value
  return {
    method: input.method ?? 'GET',
    scheme: input.scheme ?? 'https',
    authority: input.host,
    target: input.target,
    headers,
    rawHeaders,
    body: input.body ?? 'absent',
    hostRouting: input.hostRouting ?? HOST_ROUTED,
    peer: input.peer,
  }
}

export function describe(input: PartsInput): RequestDescription {
  return describeRequest(partsOf(input))
}

/** A description from one absolute URL, as the nginx endpoint reads X-Original-URL. */
export function describeUrl(
  method: string,
  url: string,
  input: Partial<PartsInput> = {},
): RequestDescription {
  const { scheme, authority, target } = splitAbsoluteUrl(url)
  return describeRequest(partsOf({ ...input, method, scheme, host: authority, target }))
}
