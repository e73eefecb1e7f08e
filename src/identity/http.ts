import { GateError } from '../errors.ts'

export type Fetch = typeof globalThis.fetch

export interface JsonResponse {
  readonly status: number
  readonly headers: Headers
  /** Parsed JSON body; undefined when the body was not JSON, or too large. */
  readonly body: unknown
  /** The body was over the size limit and was not read to its end. */
  readonly oversized: boolean
}

/** No answer of the provider's JSON APIs comes near this; a larger one is not parsed at all. */
const MAX_BODY_BYTES = 256 * 1024

/**
 * One call to the provider's plain JSON APIs (profile, destroy, introspection), with a timeout and
 * a bounded body (`oversized` past 256 KiB: never read, parsed or kept). Network failures and
 * timeouts become PROVIDER_UNAVAILABLE; HTTP statuses are the caller's to judge.
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
  const text = await boundedText(response, MAX_BODY_BYTES).catch(() => undefined)
  if (text === null)
    return { status: response.status, headers: response.headers, body: undefined, oversized: true }
  let body: unknown
  try {
    body = text === undefined ? undefined : JSON.parse(text)
  } catch {
    body = undefined
  }
  return { status: response.status, headers: response.headers, body, oversized: false }
}

/** The body as text, or null (and the rest discarded) once it passes `limit` bytes. */
async function boundedText(response: Response, limit: number): Promise<string | null> {
  const declared = Number(response.headers.get('content-length'))
  if (declared > limit) {
    await response.body?.cancel()
    return null
  }
  if (response.body === null) return ''
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of response.body) {
    size += chunk.byteLength
    if (size > limit) {
      await response.body.cancel().catch(() => undefined)
      return null
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}
