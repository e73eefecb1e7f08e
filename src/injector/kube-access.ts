import {
  AdmissionregistrationV1Api,
  ApiException,
  CoreV1Api,
  KubeConfig,
  type V1MutatingWebhookConfiguration,
  type V1Secret,
} from '@kubernetes/client-node'

/** The four API calls the TLS bootstrap makes, on exactly two objects (the RBAC grants no more). */
export interface KubeAccess {
  readSecret(): Promise<V1Secret | undefined>
  createSecret(secret: V1Secret): Promise<V1Secret>
  replaceSecret(secret: V1Secret): Promise<V1Secret>
  readWebhook(): Promise<V1MutatingWebhookConfiguration>
  replaceWebhook(webhook: V1MutatingWebhookConfiguration): Promise<V1MutatingWebhookConfiguration>
}

/** The HTTP status of an API error, if it is one. */
export function apiStatus(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined
}

function defaultKubeConfig(): KubeConfig {
  const config = new KubeConfig()
  config.loadFromDefault()
  return config
}

/**
 * Access through @kubernetes/client-node: in a pod, the ServiceAccount token (loadFromDefault reads
 * it); elsewhere, $KUBECONFIG or ~/.kube/config.
 */
export function kubeAccess(
  target: { namespace: string; secretName: string; webhookName: string },
  config: KubeConfig = defaultKubeConfig(),
): KubeAccess {
  const core = config.makeApiClient(CoreV1Api)
  const admission = config.makeApiClient(AdmissionregistrationV1Api)
  const { namespace, secretName: name, webhookName } = target
  return {
    readSecret: async () => {
      try {
        return await core.readNamespacedSecret({ name, namespace })
      } catch (error) {
        if (apiStatus(error) === 404) return undefined
        throw error
      }
    },
    createSecret: (body) => core.createNamespacedSecret({ namespace, body }),
    replaceSecret: (body) => core.replaceNamespacedSecret({ name, namespace, body }),
    readWebhook: () => admission.readMutatingWebhookConfiguration({ name: webhookName }),
    replaceWebhook: (body) => admission.replaceMutatingWebhookConfiguration({ name: webhookName, body }),
  }
}
