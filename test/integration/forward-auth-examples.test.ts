import { execFile } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { IDENTITY_HEADERS } from '../../deploy/examples/headers.ts'
import { EXAMPLES_DIR, renderExamples } from '../../deploy/examples/render.ts'
import { compileIdentityHeaders } from '../../src/headers/identity-headers.ts'

const run = promisify(execFile)
const rendered = renderExamples()

/** The value at a path of keys in parsed YAML, or undefined. */
function dig(value: unknown, ...path: string[]): unknown {
  let at = value
  for (const key of path)
    at = typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[key] : undefined
  return at
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(EXAMPLES_DIR, join(entry.parentPath, entry.name)))
}

describe('deploy/examples: the proxy configurations the forward-auth tests run', () => {
  it.each(Object.keys(rendered))(
    '%s is what render.ts renders (run `node deploy/examples/render.ts --write`)',
    async (file) => {
      expect(await readFile(join(EXAMPLES_DIR, file), 'utf8')).toBe(rendered[file])
    },
  )

  it('holds no configuration file that render.ts does not write', async () => {
    // The renderer's own modules and the README are the only files written by hand.
    const handWritten = (file: string) => file === 'README.md' || /^[\w-]+\.ts$/.test(file)
    const stray = (await filesUnder(EXAMPLES_DIR)).filter((file) => !handWritten(file) && !(file in rendered))
    expect(stray).toEqual([])
  })

  it('never has Traefik pass a client-sent X-Forwarded-Uri, -Method or -Host on to fxa-gate', () => {
    // With trustForwardHeader, ForwardAuth copies these from the request when present. Traefik's
    // entry point only drops them from peers outside forwardedHeaders.trustedIPs (or keeps them
    // for everyone with insecure), and no load balancer sets -Uri or -Method: behind one, the
    // client would choose the request fxa-gate decides on (pkg/middlewares/auth/forward.go).
    const middleware = parseAllDocuments(rendered['traefik/middleware.yaml']!)
      .map((document) => document.toJS() as unknown)
      .find((document) => dig(document, 'kind') === 'Middleware')
    expect(dig(middleware, 'spec', 'forwardAuth', 'address')).toMatch(/\/_gate\/auth\/traefik$/)
    expect(dig(middleware, 'spec', 'forwardAuth', 'trustForwardHeader')).not.toBe(true)
  })

  it('makes every proxy copy every identity header fxa-gate answers with', () => {
    const written = compileIdentityHeaders('X-User-')
    const expected = [...new Set([...written.names, written.assertion])].sort()
    expect(IDENTITY_HEADERS.map((name) => name.toLowerCase()).sort()).toEqual(expected)
    const documents = Object.entries(rendered)
      .filter(([file]) => file.endsWith('.yaml'))
      .flatMap(([, text]) => parseAllDocuments(text).map((document) => document.toJS() as unknown))
    const of = (kind: string) => documents.find((document) => dig(document, 'kind') === kind)
    const policy = of('SecurityPolicy')
    const lists = {
      'ingress-nginx auth-response-headers': String(
        dig(of('Ingress'), 'metadata', 'annotations', 'nginx.ingress.kubernetes.io/auth-response-headers'),
      ).split(','),
      'Traefik authResponseHeaders': dig(
        of('Middleware'),
        'spec',
        'forwardAuth',
        'authResponseHeaders',
      ) as string[],
      'Envoy Gateway headersToBackend': dig(
        policy,
        'spec',
        'extAuth',
        'http',
        'headersToBackend',
      ) as string[],
      'Caddy copy_headers': /copy_headers (.+)/.exec(rendered['caddy/Caddyfile']!)![1]!.split(' '),
    }
    for (const [where, names] of Object.entries(lists))
      expect(names.map((name) => name.toLowerCase()).sort(), where).toEqual(expected)
    expect(
      dig(policy, 'spec', 'extAuth', 'headersToExtAuth'),
      'Envoy must pass the session cookie',
    ).toContain('cookie')
  })

  it('gives Caddy a Caddyfile it accepts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fxa-gate-caddy-adapt-'))
    try {
      const env = { ...process.env, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir, HOME: dir }
      const { stdout } = await run(
        'caddy',
        ['adapt', '--config', join(EXAMPLES_DIR, 'caddy/Caddyfile'), '--adapter', 'caddyfile'],
        { env },
      )
      expect(JSON.parse(stdout)).toHaveProperty('apps.http')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
