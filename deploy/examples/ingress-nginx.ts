/**
 * ingress-nginx: the example Ingress with fxa-gate's external-auth annotations, and the nginx
 * configuration the controller generates for it (what the nginx tests run).
 */
import { createHash } from 'node:crypto'
import { GENERATED, IDENTITY_HEADERS, strippedNameGlobs } from './headers.ts'

export interface IngressExample {
  readonly name: string
  readonly namespace: string
  readonly host: string
  readonly path: string
  readonly service: { readonly name: string; readonly port: number }
  readonly annotations: Readonly<Record<string, string>>
}

export interface IngressInput {
  readonly namespace: string
  /** The application's host name, matched against the client's Host like ingress-nginx's server_name. */
  readonly host: string
  readonly service: { readonly name: string; readonly port: number }
  /** fxa-gate's `/_gate/auth/nginx` as the controller reaches it, with per-ingress requirements if any. */
  readonly authUrl: string
  /** fxa-gate's public `/_gate/start`, where browsers go to sign in. */
  readonly signinUrl: string
}

const ANNOTATION = 'nginx.ingress.kubernetes.io/'

/**
 * The auth URL names the Ingress's host (`?host=`): nginx routes an absolute-form request line
 * (`GET http://other.example/x`) by the host in it but builds X-Original-URL from the Host header,
 * and fxa-gate believes the host, and applies host-scoped rules, only when it is the pinned one. A
 * wildcard Ingress host cannot be pinned; host-scoped public rules then never apply to it.
 */
function pinnedAuthUrl(authUrl: string, host: string): string {
  if (host.startsWith('*') || new URL(authUrl).searchParams.has('host')) return authUrl
  return `${authUrl}${authUrl.includes('?') ? '&' : '?'}host=${encodeURIComponent(host)}`
}

/** An Ingress protected by fxa-gate through ingress-nginx's external-auth annotations. */
export function appIngress(input: IngressInput): IngressExample {
  return {
    name: 'app',
    namespace: input.namespace,
    host: input.host,
    path: '/',
    service: input.service,
    annotations: {
      [`${ANNOTATION}auth-url`]: pinnedAuthUrl(input.authUrl, input.host),
      // $http_host, not $host: $host drops the port. fxa-gate validates rd like any return URL.
      [`${ANNOTATION}auth-signin`]: `${input.signinUrl}?rd=$scheme://$http_host$escaped_request_uri`,
      [`${ANNOTATION}auth-response-headers`]: IDENTITY_HEADERS.join(','),
      // Everything the answer depends on: the request (rules differ by path) and every credential.
      // fxa-gate's Cache-Control says how long an allow may live, and its Vary keeps the
      // credentials apart whatever this key; 401 and 403 are never stored.
      [`${ANNOTATION}auth-cache-key`]:
        '$request_method-$scheme-$http_host-$request_uri-$http_cookie-$http_authorization',
      [`${ANNOTATION}auth-cache-duration`]: '200 30s',
    },
  }
}

export function ingressManifest(ingress: IngressExample): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: ingress.name, namespace: ingress.namespace, annotations: { ...ingress.annotations } },
    spec: {
      ingressClassName: 'nginx',
      rules: [
        {
          host: ingress.host,
          http: {
            paths: [
              {
                path: ingress.path,
                pathType: 'Prefix',
                backend: { service: { name: ingress.service.name, port: { number: ingress.service.port } } },
              },
            ],
          },
        },
      ],
    },
  }
}

/**
 * The controller-wide `http-snippet`: clears every identity-shaped client header (the sidecar's
 * list, in any case) before the auth subrequest and the upstream see the request. The
 * `auth-response-headers` copy only the exact names fxa-gate answers with; families such as
 * `X-User-Groups` or `X-Auth-Request-*` need headers-more, which ingress-nginx is built with.
 * nginx itself drops names with `_` or other unusual characters (underscores_in_headers off,
 * ignore_invalid_headers on: ingress-nginx's defaults, pinned in the ConfigMap).
 */
export function identityHeaderSnippet(): string[] {
  return [
    '# fxa-gate: identity headers come from fxa-gate only (the list the sidecar strips).',
    'more_clear_input_headers',
    ...strippedNameGlobs().map((glob) => `    '${glob}'`),
    '    ;',
  ]
}

/** The controller's ConfigMap entries that protect every Ingress behind it (cluster-wide, set once). */
export function controllerConfigMap(): object {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    // The ingress-nginx Helm chart's default name and namespace (controller.config in its values).
    metadata: { name: 'ingress-nginx-controller', namespace: 'ingress-nginx' },
    data: {
      'enable-underscores-in-headers': 'false',
      'ignore-invalid-headers': 'true',
      'http-snippet': `${identityHeaderSnippet().join('\n')}\n`,
    },
  }
}

/** Where the nginx that runs the rendered configuration keeps its files and finds its upstreams. */
export interface NginxRuntime {
  /** `listen` argument of the application's server, e.g. `80` or `127.0.0.1:8080`. */
  readonly listen: string
  /** Directory for temporary files and the auth cache. */
  readonly dataDir: string
  readonly modulesDir: string
  /** `host:port` of a Service's endpoints, as the controller's balancer would pick them. */
  readonly endpoints: (service: { name: string; port: number }) => string
  /** Main-context lines a particular run needs (e.g. `user root;`). */
  readonly mainLines?: readonly string[]
  /** DNS server for the auth URL's host name (nginx resolves a `proxy_pass $variable` at run time). */
  readonly resolver?: string
}

function annotation(ingress: IngressExample, name: string): string | undefined {
  return ingress.annotations[`${ANNOTATION}${name}`]
}

/** ingress-nginx's `buildAuthLocation`: the internal location's name derives from the Ingress path. */
function authLocationName(path: string): string {
  return `/_external-auth-${Buffer.from(path).toString('base64url')}-Prefix`
}

/** ingress-nginx's `buildAuthSignURLLocation`: a named location per path and sign-in URL. */
function signinLocationName(path: string, signin: string): string {
  return `@${createHash('sha1').update(path).update(signin).digest('hex')}`
}

/** ingress-nginx's `buildAuthSignURL`: the sign-in URL as given when it names `rd` itself. */
function signinRedirect(signin: string): string {
  if (new URL(signin.replace(/\$/g, '%24')).searchParams.has('rd')) return signin
  const separator = signin.includes('?') ? '&' : '?'
  return `${signin}${separator}rd=$scheme://$http_host$escaped_request_uri`
}

/** The server block ingress-nginx generates for one Ingress host (its locations, see nginxConf). */
function serverBlock(ingress: IngressExample, runtime: NginxRuntime): string[] {
  const authUrl = annotation(ingress, 'auth-url')
  if (authUrl === undefined) throw new TypeError('the Ingress has no auth-url annotation')
  const authHost = new URL(authUrl).hostname
  const authPath = authLocationName(ingress.path)
  const signin = annotation(ingress, 'auth-signin')
  const cacheKey = annotation(ingress, 'auth-cache-key')
  const cacheDuration = annotation(ingress, 'auth-cache-duration') ?? '200 202 401 5m'
  const responseHeaders = (annotation(ingress, 'auth-response-headers') ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean)
  const upstream = runtime.endpoints(ingress.service)

  const authLocation = [
    `location = ${authPath} {`,
    '    internal;',
    ...(cacheKey === undefined
      ? []
      : [
          // ingress-nginx hashes this key with Lua first; nginx hashes proxy_cache_key itself anyway.
          `    set $cache_key '${ingress.host}${authPath}${cacheKey}';`,
          '    proxy_cache auth_cache;',
          ...cacheDuration.split(/\s*,\s*/).map((duration) => `    proxy_cache_valid ${duration};`),
          '    proxy_cache_key "$cache_key";',
        ]),
    '    proxy_pass_request_body off;',
    '    proxy_set_header Content-Length "";',
    '    proxy_set_header X-Forwarded-Proto "";',
    '    proxy_set_header X-Request-ID $req_id;',
    `    proxy_set_header Host ${authHost};`,
    '    proxy_set_header X-Original-URL $scheme://$http_host$request_uri;',
    '    proxy_set_header X-Original-Method $request_method;',
    '    proxy_set_header X-Sent-From "nginx-ingress-controller";',
    '    proxy_set_header X-Real-IP $remote_addr;',
    '    proxy_set_header X-Forwarded-For $remote_addr;',
    '    proxy_set_header X-Auth-Request-Redirect $request_uri;',
    `    proxy_buffering ${cacheKey === undefined ? 'off' : 'on'};`,
    '    proxy_http_version 1.1;',
    // Every other client header reaches the auth service as the client sent it.
    '    proxy_pass_request_headers on;',
    `    set $target ${authUrl};`,
    '    proxy_pass $target;',
    '}',
  ]
  const signinLocation =
    signin === undefined
      ? []
      : [
          `location ${signinLocationName(ingress.path, signin)} {`,
          '    internal;',
          '    add_header Set-Cookie $auth_cookie;',
          `    return 302 ${signinRedirect(signin)};`,
          '}',
        ]
  const appLocation = [
    `location ${ingress.path} {`,
    `    auth_request ${authPath};`,
    '    auth_request_set $auth_cookie $upstream_http_set_cookie;',
    '    add_header Set-Cookie $auth_cookie;',
    // An answer without one of these headers sets it empty, and nginx then drops the client's copy.
    ...responseHeaders.flatMap((name, i) => [
      `    auth_request_set $authHeader${i} $upstream_http_${name.toLowerCase().replace(/-/g, '_')};`,
      `    proxy_set_header '${name}' $authHeader${i};`,
    ]),
    ...(signin === undefined
      ? []
      : [
          '    set_escape_uri $escaped_request_uri $request_uri;',
          `    error_page 401 = ${signinLocationName(ingress.path, signin)};`,
        ]),
    '    proxy_set_header Host $http_host;',
    '    proxy_set_header X-Request-ID $req_id;',
    '    proxy_set_header X-Real-IP $remote_addr;',
    '    proxy_set_header X-Forwarded-For $remote_addr;',
    '    proxy_set_header X-Forwarded-Host $http_host;',
    '    proxy_set_header X-Forwarded-Port $server_port;',
    '    proxy_set_header X-Forwarded-Proto $scheme;',
    '    proxy_set_header X-Scheme $scheme;',
    '    proxy_set_header Proxy "";',
    '    proxy_http_version 1.1;',
    `    proxy_pass http://${upstream};`,
    '}',
  ]
  return [
    '    server {',
    `        listen ${runtime.listen};`,
    `        server_name ${ingress.host};`,
    ...indent(authLocation, 2),
    ...indent(signinLocation, 2),
    ...indent(appLocation, 2),
    '    }',
  ]
}

const indent = (lines: string[], depth: number) => lines.map((line) => `${'    '.repeat(depth)}${line}`)

/**
 * The nginx configuration ingress-nginx generates for the Ingresses' external auth (nginx.tmpl:
 * per host, the internal auth location, the sign-in location and the protected location), reduced
 * to the directives that decide what the auth service and the upstream see. Lua (balancer,
 * cache-key hashing) is replaced by plain nginx with the same effect.
 */
export function nginxConf(ingresses: IngressExample | readonly IngressExample[], runtime: NginxRuntime): string {
  const all = Array.isArray(ingresses) ? (ingresses as readonly IngressExample[]) : [ingresses as IngressExample]
  const data = runtime.dataDir
  return [
    `# ${GENERATED}`,
    `# What ingress-nginx renders for the external auth of Ingress ${all.map((ingress) => `${ingress.namespace}/${ingress.name}`).join(', ')}`,
    '# (see ingress.yaml beside this file); plain nginx can use it as it is.',
    `load_module ${runtime.modulesDir}/ndk_http_module.so;`,
    `load_module ${runtime.modulesDir}/ngx_http_set_misc_module.so;`,
    `load_module ${runtime.modulesDir}/ngx_http_headers_more_filter_module.so;`,
    ...(runtime.mainLines ?? []),
    'worker_processes 1;',
    'events {',
    '    worker_connections 1024;',
    '}',
    'http {',
    `    client_body_temp_path ${data}/client-body;`,
    `    proxy_temp_path ${data}/proxy-temp;`,
    `    fastcgi_temp_path ${data}/fastcgi-temp;`,
    `    uwsgi_temp_path ${data}/uwsgi-temp;`,
    `    scgi_temp_path ${data}/scgi-temp;`,
    `    proxy_cache_path ${data}/auth-cache levels=1:2 keys_zone=auth_cache:1m max_size=16m inactive=30m use_temp_path=off;`,
    ...(runtime.resolver === undefined ? [] : [`    resolver ${runtime.resolver} valid=30s;`]),
    '    access_log off;',
    '    server_tokens off;',
    // ingress-nginx defaults: headers with underscores are dropped, not passed on.
    '    underscores_in_headers off;',
    '    ignore_invalid_headers on;',
    // The controller ConfigMap's http-snippet (controller-config.yaml beside this file).
    ...indent(identityHeaderSnippet(), 1),
    '    map $http_x_request_id $req_id {',
    '        default $http_x_request_id;',
    '        "" $request_id;',
    '    }',
    // The controller's catch-all server: a Host that names no Ingress gets the default backend's 404.
    '    server {',
    `        listen ${runtime.listen} default_server;`,
    '        server_name _;',
    '        location / {',
    '            return 404;',
    '        }',
    '    }',
    ...all.flatMap((ingress) => serverBlock(ingress, runtime)),
    '}',
    '',
  ].join('\n')
}
