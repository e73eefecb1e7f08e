import { readFileSync } from 'node:fs'

/** fxa-gate's version, from the package.json beside src/ (or dist/) in the repository and the image. */
export function packageVersion(): string {
  try {
    const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8')
    const version = (JSON.parse(text) as { version?: unknown }).version
    return typeof version === 'string' ? version : 'unknown'
  } catch {
    return 'unknown'
  }
}
