import { GateError } from '../errors.ts'

export type Fetch = typeof globalThis.fetch

export interface JsonResponse {
  readonly status: number
  readonly headers: Headers
  /** Parsed JSON body; undefined when the body was not JSON. */
  readonly body: unknown
}

/**
 * One call to the provider's plain JSON APIs (profile, destroy, introspection), with a timeout.
 * Network failures and timeouts become PROVIDER_UNAVAILABLE; HTTP statuses are the caller's to judge.
 */
export async function requestJson(
  fetch: Fetch,
  url: string,
  init: { method: 'GET' | 'POST'; headers?: Record<string, string>; json?: unknown; timeoutMs: number },
): Promise<JsonResponse> {
  let response: Response
  try {
    response = await fetch(url, {
      method: init.method,
      headers: {
        accept: 'application/json',
        ...(init.json === undefined ? {} : { 'content-type': 'application/json' }),
        ...init.headers,
      },
      body: init.json === undefined ? null : JSON.stringify(init.json),
      signal: AbortSignal.timeout(init.timeoutMs),
      redirect: 'manual',
    })
  } catch (error) {
    throw new GateError('PROVIDER_UNAVAILABLE', {
      cause: error,
      detail: `${init.method} ${new URL(url).pathname}`,
    })
  }
  let body: unknown
  try {
    body = await response.json()
  } catch {
    body = undefined
  }
  return { status: response.status, headers: response.headers, body }
}
