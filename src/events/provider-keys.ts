import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose'
import { GateError } from '../errors.ts'
import type { Fetch } from '../identity/http.ts'

export interface ProviderKeys {
  /** Resolves the verification key of a JWS; refetches the key set once on an unknown `kid`. */
  readonly getKey: JWTVerifyGetKey
  /** True while an unknown `kid` would not cause a refetch (right after one). */
  coolingDown(): boolean
}

export interface ProviderKeysOptions {
  /** The provider's `jwks_uri`, from discovery (loaded on first use). */
  readonly jwksUri: () => Promise<string>
  readonly fetch?: Fetch
  readonly timeoutMs: number
  /** No refetch for an unknown `kid` within this long of the last fetch, so forged kids cannot storm FxA. Default 30 s. */
  readonly cooldownMs?: number
  /** Key set refetched after this long even when every kid is known. Default 10 min. */
  readonly maxAgeMs?: number
}

/**
 * The provider's signing keys (the JWKS that signs ID tokens signs account events too), cached by
 * jose's remote key set, created once discovery names the URL.
 */
export function createProviderKeys(options: ProviderKeysOptions): ProviderKeys {
  let remote: ReturnType<typeof createRemoteJWKSet> | undefined
  const keySet = async () => {
    remote ??= createRemoteJWKSet(new URL(await options.jwksUri()), {
      timeoutDuration: options.timeoutMs,
      cooldownDuration: options.cooldownMs ?? 30_000,
      cacheMaxAge: options.maxAgeMs ?? 600_000,
      ...(options.fetch ? { [customFetch]: options.fetch } : {}),
    })
    return remote
  }
  return {
    getKey: async (header, token) => (await keySet())(header, token),
    coolingDown: () => remote?.coolingDown ?? false,
  }
}

/** The discovery document's `jwks_uri`, or PROVIDER_ERROR when it names none. */
export function jwksUriOf(metadata: { jwks_uri?: string | undefined }): string {
  if (typeof metadata.jwks_uri !== 'string')
    throw new GateError('PROVIDER_ERROR', { detail: 'discovery names no jwks_uri' })
  return metadata.jwks_uri
}
