/** Helpers for the tests that run against the real kube-apiserver of test/k8s/global-setup.ts. */
import { randomBytes } from 'node:crypto'
import { inject } from 'vitest'
import { kubectl } from '../support/kube-apiserver.ts'

export function kube() {
  return inject('kube')
}

/** kubectl against the test API server. */
export function k(args: readonly string[], input?: string): Promise<string> {
  return kubectl(kube(), args, input)
}

// biome-ignore lint/suspicious/noExplicitAny: objects as the API server returns them
export async function getJson(args: readonly string[]): Promise<any> {
  return JSON.parse(await k([...args, '-o', 'json']))
}

/** A fresh namespace (optionally labelled) with the default ServiceAccount that no controller creates here. */
export async function namespace(prefix: string, labels: Record<string, string> = {}): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`
  await k(
    ['apply', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }),
  )
  await k(['-n', name, 'create', 'serviceaccount', 'default'])
  return name
}

/** The message kubectl printed when it failed, or throws when it succeeded. */
export async function refusal(run: Promise<unknown>): Promise<string> {
  try {
    await run
  } catch (error) {
    return (error as { stderr?: string }).stderr ?? (error as Error).message
  }
  throw new Error('kubectl succeeded where the API server should have refused')
}
