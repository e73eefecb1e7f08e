/**
 * The one source of the proxy configurations in deploy/examples/: the files there are written from
 * these functions with example values, and the forward-auth integration tests run real nginx and
 * Caddy on configurations rendered by the same functions with test values, so the documentation
 * cannot drift from what is tested. `node deploy/examples/render.ts --write` rewrites the files;
 * test/integration/forward-auth-examples.test.ts fails when they differ from a fresh render.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stringify } from 'yaml'
import { caddySite } from './caddy.ts'
import { ENVOY_HEADERS_TO_EXT_AUTH, GENERATED, IDENTITY_HEADERS } from './headers.ts'
import {
  appIngress,
  controllerConfigMap,
  type IngressExample,
  ingressManifest,
  nginxConf,
} from './ingress-nginx.ts'

export const EXAMPLES_DIR = dirname(fileURLToPath(import.meta.url))

// Traefik and Envoy Gateway are not runnable here: the endpoint tests use the header lists instead.

const GATE_NAMESPACE = 'fxa-gate'
const APP_NAMESPACE = 'apps'
const GATE_SERVICE = `http://fxa-gate.${GATE_NAMESPACE}.svc.cluster.local:4180`

function traefikManifests(): object[] {
  return [
    {
      apiVersion: 'traefik.io/v1alpha1',
      kind: 'Middleware',
      metadata: { name: 'fxa-gate', namespace: APP_NAMESPACE },
      spec: {
        forwardAuth: {
          address: `${GATE_SERVICE}/_gate/auth/traefik`,
          // Traefik v3's entry point already drops X-Forwarded-* from peers outside its
          // forwardedHeaders.trustedIPs, so these are Traefik's own or a trusted load balancer's.
          trustForwardHeader: true,
          authResponseHeaders: [...IDENTITY_HEADERS],
        },
      },
    },
    {
      apiVersion: 'traefik.io/v1alpha1',
      kind: 'IngressRoute',
      metadata: { name: 'app', namespace: APP_NAMESPACE },
      spec: {
        entryPoints: ['websecure'],
        routes: [
          {
            match: 'Host(`app.example.com`)',
            kind: 'Rule',
            middlewares: [{ name: 'fxa-gate' }],
            services: [{ name: 'app', port: 8080 }],
          },
        ],
        tls: {},
      },
    },
  ]
}

function envoyGatewayManifests(): object[] {
  return [
    {
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'SecurityPolicy',
      metadata: { name: 'fxa-gate', namespace: APP_NAMESPACE },
      spec: {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'app' }],
        extAuth: {
          headersToExtAuth: [...ENVOY_HEADERS_TO_EXT_AUTH],
          http: {
            backendRefs: [{ name: 'fxa-gate', namespace: GATE_NAMESPACE, port: 4180 }],
            path: '/_gate/auth/envoy',
            headersToBackend: IDENTITY_HEADERS.map((name) => name.toLowerCase()),
          },
        },
      },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1beta1',
      kind: 'ReferenceGrant',
      metadata: { name: 'fxa-gate-ext-auth', namespace: GATE_NAMESPACE },
      spec: {
        from: [{ group: 'gateway.envoyproxy.io', kind: 'SecurityPolicy', namespace: APP_NAMESPACE }],
        to: [{ group: '', kind: 'Service', name: 'fxa-gate' }],
      },
    },
  ]
}

function yamlDocuments(comment: string[], documents: object[]): string {
  const header = [GENERATED, ...comment].map((line) => `# ${line}`).join('\n')
  return `${header}\n${documents.map((document) => stringify(document, { lineWidth: 0 })).join('---\n')}`
}

/** The example ingress: fxa-gate in namespace fxa-gate, the app in namespace apps. */
export const EXAMPLE_INGRESS: IngressExample = appIngress({
  namespace: APP_NAMESPACE,
  host: 'app.example.com',
  service: { name: 'app', port: 8080 },
  authUrl: `${GATE_SERVICE}/_gate/auth/nginx`,
  signinUrl: 'https://auth.example.com/_gate/start',
})

/** Every file under deploy/examples/ that this module owns, by path relative to it. */
export function renderExamples(): Record<string, string> {
  return {
    'ingress-nginx/ingress.yaml': yamlDocuments(
      ['ingress-nginx asks fxa-gate about every request to app.example.com (nginx auth_request).'],
      [ingressManifest(EXAMPLE_INGRESS)],
    ),
    'ingress-nginx/controller-config.yaml': yamlDocuments(
      [
        'Entries of the ingress-nginx controller ConfigMap (set once, for every Ingress): no client-sent',
        'identity header reaches fxa-gate or an application. Merge them into your controller.config values.',
      ],
      [controllerConfigMap()],
    ),
    'ingress-nginx/nginx.conf': nginxConf(EXAMPLE_INGRESS, {
      listen: '80',
      dataDir: '/var/cache/nginx/fxa-gate',
      modulesDir: '/usr/lib/nginx/modules',
      endpoints: (service) =>
        `${service.name}.${EXAMPLE_INGRESS.namespace}.svc.cluster.local:${service.port}`,
      resolver: 'kube-dns.kube-system.svc.cluster.local',
    }),
    'traefik/middleware.yaml': yamlDocuments(
      [
        'Traefik ForwardAuth to fxa-gate, and a route that uses it. FXA_GATE_TRUSTED_PROXIES must',
        "list Traefik's pod CIDR.",
      ],
      traefikManifests(),
    ),
    'caddy/Caddyfile': [
      `# ${GENERATED}`,
      "# Caddy's forward_auth to fxa-gate. FXA_GATE_TRUSTED_PROXIES must list Caddy's address.",
      caddySite({ site: 'app.example.com', gate: 'fxa-gate:4180', upstream: 'app:8080' }),
    ].join('\n'),
    'envoy-gateway/security-policy.yaml': yamlDocuments(
      [
        'Envoy Gateway ext_authz (HTTP) to fxa-gate for HTTPRoute apps/app, and the grant that lets it',
        'reach the fxa-gate Service in another namespace.',
      ],
      envoyGatewayManifests(),
    ),
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--write')) {
  for (const [file, text] of Object.entries(renderExamples())) {
    const path = join(EXAMPLES_DIR, file)
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, text)
    console.log(`wrote deploy/examples/${file}`)
  }
}
