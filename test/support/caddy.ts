import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { caddySite } from '../../deploy/examples/caddy.ts'
import { type RunningServer, startServer } from './nginx.ts'

export interface CaddyOptions {
  /** fxa-gate `host:port`. */
  readonly gate: string
  /** The application (echo app) `host:port`. */
  readonly upstream: string
  /** Changes the rendered site block, to run the example with an operator's additions. */
  readonly editSite?: (site: string) => string
}

/**
 * Runs Debian's Caddy in the foreground on a free 127.0.0.1 port with the example site block
 * (deploy/examples/caddy.ts) in front of `upstream`, no admin endpoint, no automatic HTTPS, and
 * its data and configuration directories in a fresh temporary directory.
 */
export async function startCaddy(options: CaddyOptions): Promise<RunningServer & { caddyfile(): string }> {
  const dir = await mkdtemp(join(tmpdir(), 'fxa-gate-caddy-'))
  await mkdir(join(dir, 'data'))
  await mkdir(join(dir, 'config'))
  const path = join(dir, 'Caddyfile')
  let caddyfile = ''
  const server = await startServer({
    command: 'caddy',
    dir,
    serverHeader: /^Caddy/,
    env: {
      ...process.env,
      XDG_DATA_HOME: join(dir, 'data'),
      XDG_CONFIG_HOME: join(dir, 'config'),
      HOME: dir,
    },
    async args(port) {
      caddyfile = [
        '{',
        '\tadmin off',
        '\tauto_https off',
        `\tstorage file_system ${join(dir, 'data')}`,
        '}',
        '',
        (options.editSite ?? ((site: string) => site))(
          caddySite({ site: `http://127.0.0.1:${port}`, gate: options.gate, upstream: options.upstream }),
        ),
      ].join('\n')
      await writeFile(path, caddyfile)
      return ['run', '--config', path, '--adapter', 'caddyfile']
    },
  })
  return { ...server, caddyfile: () => caddyfile }
}
