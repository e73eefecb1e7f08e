import type { TestProject } from 'vitest/node'
import { startKubeApiserver } from '../support/kube-apiserver.ts'

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
  project.provide('kube', provided)
  return stop
}
