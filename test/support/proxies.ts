import { type EchoApp, startEchoApp } from '../../dev/echo-app.ts'
import { startCaddy } from './caddy.ts'
import { startTestGate, type TestGate } from './gate.ts'
import { type RunningServer, startNginx, untilReady } from './nginx.ts'

/** The real proxies the forward-auth tests run, each with the shipped configuration (deploy/examples/). */
export const REAL_PROXIES = [
  ['ingress-nginx (real nginx)', 'nginx'],
  ['Caddy forward_auth (real Caddy)', 'caddy'],
] as const

export type ProxyKind = (typeof REAL_PROXIES)[number][1]

export interface ProxiedApp {
  readonly gate: TestGate
  readonly echo: EchoApp
  readonly proxy: RunningServer
  close(): Promise<void>
}

/**
 * An echo app behind a real proxy that asks a fresh fxa-gate (which trusts 127.0.0.1, Caddy's
 * address), configured like the shipped examples: ingress-nginx's Ingress for host 127.0.0.1, or
 * the Caddyfile's site block.
 */
export async function startBehindProxy(
  kind: ProxyKind,
  options: { redisUrl: string; env?: Record<string, string> },
): Promise<ProxiedApp> {
  const echo = await startEchoApp()
  const gate = await startTestGate({
    redisUrl: options.redisUrl,
    env: { FXA_GATE_TRUSTED_PROXIES: '127.0.0.1/32', ...options.env },
  })
  await untilReady(gate.adminUrl)
  const upstream = `127.0.0.1:${echo.port}`
  const proxy =
    kind === 'nginx'
      ? await startNginx({
          ingress: {
            host: '127.0.0.1',
            authUrl: `${gate.url}/_gate/auth/nginx`,
            signinUrl: `${gate.url}/_gate/start`,
          },
          upstream,
        })
      : await startCaddy({ gate: `127.0.0.1:${gate.port}`, upstream })
  return {
    gate,
    echo,
    proxy,
    async close() {
      await proxy.stop()
      await gate.close()
      await echo.close()
    },
  }
}
