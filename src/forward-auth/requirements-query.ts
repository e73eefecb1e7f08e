import { LRUCache } from 'lru-cache'
import { compileRequirements, NO_REQUIREMENTS, type Requirements } from '../decision/rules.ts'
import { GateError } from '../errors.ts'

const LIST = /^[\x21-\x7e]{1,2048}$/
const PARAMETERS = [
  'allowed_emails',
  'allowed_domains',
  'required_capabilities',
  'required_scopes',
  'allowed_groups',
  'min_aal',
] as const

/**
 * Requirements an ingress adds through its auth URL (`/auth/nginx?allowed_domains=example.com`),
 * like oauth2-proxy's. The auth URL is static per ingress, so each distinct query is compiled once.
 */
export function createQueryRequirements() {
  const compiled = new LRUCache<string, Requirements>({ max: 256 })
  return function requirementsOf(rawUrl: string): Requirements {
    const at = rawUrl.indexOf('?')
    if (at === -1) return NO_REQUIREMENTS
    const query = rawUrl.slice(at + 1)
    const known = compiled.get(query)
    if (known) return known
    const params = new URLSearchParams(query)
    for (const name of params.keys()) {
      if (!(PARAMETERS as readonly string[]).includes(name))
        throw new GateError('BAD_REQUEST', { detail: `unknown auth URL parameter ${name}` })
    }
    const list = (name: string) => {
      const values = params.getAll(name)
      if (values.some((value) => !LIST.test(value)))
        throw new GateError('BAD_REQUEST', { detail: `invalid ${name}` })
      return values.flatMap((value) => value.split(',')).filter(Boolean)
    }
    const minAal = params.get('min_aal')
    if (minAal !== null && !/^[0-3]$/.test(minAal))
      throw new GateError('BAD_REQUEST', { detail: 'invalid min_aal' })
    const requirements = compileRequirements({
      allowedEmails: list('allowed_emails'),
      allowedDomains: list('allowed_domains'),
      requiredCapabilities: list('required_capabilities'),
      requiredScopes: list('required_scopes'),
      allowedGroups: list('allowed_groups'),
      minAal: minAal === null ? 0 : Number(minAal),
    })
    compiled.set(query, requirements)
    return requirements
  }
}
