import { readFileSync } from 'node:fs'

/**
 * fxa-gate's version, from the package.json next to `src/` (development) or `dist/` (the build and
 * the image, which ships package.json beside dist/).
 */
export function readVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version?: unknown
  }
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0-unknown'
}
