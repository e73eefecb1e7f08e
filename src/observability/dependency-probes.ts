import { connect } from 'node:net'
import type { Config } from '../config/derive.ts'
import type { Fetch } from '../identity/http.ts'
import type { SessionStore } from '../session/types.ts'
import type { DependencyOptions } from './dependencies.ts'

/** A TCP connection to `host:port` opens within `timeoutMs`: the upstream is there to answer. */
function tcpProbe(url: string, timeoutMs: number): () => Promise<void> {
  const target = new URL(url)
  const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80))
  const host = target.hostname.replace(/^\[|\]$/g, '')
  return () =>
    new Promise((resolve, reject) => {
      const socket = connect({ host, port, timeout: timeoutMs })
      socket.once('connect', () => {
        socket.destroy()
        resolve()
      })
      socket.once('timeout', () => {
        socket.destroy()
        reject(new Error('connect timeout'))
      })
      socket.once('error', reject)
    })
}

/**
 * How each configured dependency is checked when calls have said nothing lately: Redis by PING
 * (after 2 s without a call: a frozen Redis shows within about 4 s), FxA by its discovery document (every 30 s,
 * and only without other calls to it), the sidecar's upstream by opening a connection.
 */
export function dependencyProbes(
  config: Config,
  deps: { readonly store: SessionStore; readonly fetch: Fetch },
): DependencyOptions['probes'] {
  const discoveryUrl = `${config.issuer}/.well-known/openid-configuration`
  return {
    ...(deps.store.shared ? { redis: { probe: () => deps.store.ping(), everyMs: 2_000 } } : {}),
    fxa: {
      async probe() {
        const response = await deps.fetch(discoveryUrl, {
          signal: AbortSignal.timeout(config.providerTimeout),
          redirect: 'manual',
        })
        await response.body?.cancel()
        if (response.status >= 500) throw new Error(`discovery ${response.status}`)
      },
      everyMs: 30_000,
    },
    ...(config.upstream === undefined
      ? {}
      : { upstream: { probe: tcpProbe(config.upstream, config.upstreamConnectTimeout), everyMs: 10_000 } }),
  }
}
