import { describe, expect, it } from 'vitest'
import { CONFIG_KEYS } from '../../../src/config/schema.ts'
import { compileHeaderHygiene } from '../../../src/headers/hygiene.ts'
import { compileIdentityHeaders } from '../../../src/headers/identity-headers.ts'

const defaults = compileHeaderHygiene({
  identityPrefix: CONFIG_KEYS.identityHeaderPrefix.schema.parse(undefined),
  legacyNames: CONFIG_KEYS.legacyIdentityHeaders.schema.parse(undefined),
  writtenNames: compileIdentityHeaders('X-User-').names,
})

/** Names other auth proxies and platforms hand to applications, which applications therefore trust. */
const TRUSTED_ELSEWHERE = [
  'X-Forwarded-Groups',
  'X-Forwarded-Access-Token',
  'X-Forwarded-Login',
  'Remote-Groups',
  'Remote-Email',
  'Remote-Name',
  'X-Authentik-Username',
  'X-Authentik-Email',
  'X-Authentik-Groups',
  'X-Authentik-Meta-Provider',
  'X-Webauth-User',
  'X-Webauth-Email',
  'X-WEBAUTH-ROLE',
  'X-Remote-Group',
  'X-Remote-Extra-Scopes',
  'X-Remote-Extra',
  'X-Goog-Authenticated-User-Email',
  'X-Goog-Authenticated-User-Id',
  'Cf-Access-Authenticated-User-Email',
  'X-Amzn-Oidc-Identity',
  'X-Amzn-Oidc-Data',
  'X-Amzn-Oidc-Accesstoken',
  'X-MS-CLIENT-PRINCIPAL',
  'X-MS-CLIENT-PRINCIPAL-NAME',
  'X-MS-CLIENT-PRINCIPAL-ID',
  'X-Pomerium-Claim-Email',
  'X-Pomerium-Claim-Groups',
  'X-Vouch-User',
  'X-Email',
  'X-Username',
  'X-Authenticated-User',
]

describe('the default legacy identity names', () => {
  it.each(TRUSTED_ELSEWHERE)('strips %s from client requests, in any spelling', (name) => {
    for (const spelling of [name, name.toLowerCase(), name.replaceAll('-', '_'), name.replaceAll('-', '.')]) {
      expect(defaults.classify(spelling).role, spelling).toBe('drop')
    }
  })

  it.each([
    'X-Emailer',
    'X-Usernames-Count',
    'Remote-Addr',
    'X-Forwarded-Logins-Page',
    'X-Amzn-Trace-Id',
    'X-Ms-Request-Id',
    'Cf-Ray',
    'Cf-Connecting-Ip',
  ])('keeps %s, which only looks like one', (name) => {
    expect(defaults.classify(name).role).toBe('keep')
  })
})
