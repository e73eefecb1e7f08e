import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { kubectl, startKubeApiserver } from '../support/kube-apiserver.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** One real kube-apiserver for the whole run; tests isolate themselves by namespace. */
    kube: {
      url: string
      kubeconfig: string
      kubectlPath: string
      ca: string
      adminCert: string
      adminKey: string
    }
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startKubeApiserver()
  process.stderr.write(`kube-apiserver ready in ${server.startupMs} ms at ${server.url}\n`)
  const { stop, startupMs: _, ...provided } = server
  try {
    // The third-party kinds the chart renders (see crds/README.md).
    await kubectl(server, ['apply', '-f', join(import.meta.dirname, 'crds')])
    await kubectl(server, ['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all'])
  } catch (error) {
    await stop()
    throw error
  }
  project.provide('kube', provided)
  return stop
}
