/**
 * Objects the chart's scenarios refer to but do not create (existingSecret, existingConfigMap, the Redis
 * TLS Secrets), as a cluster would hold them: what the pods read besides the rendered objects. The keys
 * and certificates were made for these tests only (openssl, EC P-256) and protect nothing.
 */

const ASSERTION_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQghV9eKpnNEhlRYP6R
x53DpBCtEJZ3DV9ZQSww9Em5J3KhRANCAAR9fULxnYWBweqklJ4uOHDXdtGq4p8B
N3J35HjKDa53QiMhvcOU6g3FWApiVaqtYI++jZ9phCVXA6TF8r6UKlpZ
-----END PRIVATE KEY-----
`

const REDIS_CA = `-----BEGIN CERTIFICATE-----
MIIBmDCCAT2gAwIBAgIUcyxGACZW+XM4U4ZTCHfZt0Gv5yMwCgYIKoZIzj0EAwIw
ITEfMB0GA1UEAwwWZnhhLWdhdGUgY2hhcnQgdGVzdCBDQTAeFw0yNjEyMDExNTA4
MDdaFw0zNjExMjgxNTA4MDdaMCExHzAdBgNVBAMMFmZ4YS1nYXRlIGNoYXJ0IHRl
c3QgQ0EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATMCtABwqPTc1IDfbhb8iXQ
K1xdwvooj+JuSshaswZD84m5Koq336zB/SWcFTs+xfKVjLg39dbqsALS27Wij5jU
o1MwUTAdBgNVHQ4EFgQUnhVxgLa0uUBNGPNKeS+t94V0jAAwHwYDVR0jBBgwFoAU
nhVxgLa0uUBNGPNKeS+t94V0jAAwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQD
AgNJADBGAiEA8hgeKSVfC+tBR5/ejLAtysdIuTBdrhNFZZN9GJSbpKgCIQCcI0xJ
KlO9A0CZODCHz7ULZiAEW2uiEjERKywReBEwJA==
-----END CERTIFICATE-----
`

const REDIS_CLIENT_CERT = `-----BEGIN CERTIFICATE-----
MIIBLTCB1QIUfPQy74mUrcbYysl8vLgQ2i5bh0EwCgYIKoZIzj0EAwIwITEfMB0G
A1UEAwwWZnhhLWdhdGUgY2hhcnQgdGVzdCBDQTAeFw0yNjEyMDExNTA4MDhaFw0z
NjExMjgxNTA4MDhaMBMxETAPBgNVBAMMCGZ4YS1nYXRlMFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAEo+AaUZ9QvLrV9G2pBcHJeSR/wKkB02SRDZj1bMk2XrwnOFTw
t0/B/3G6+Cuuo6YJ63+yKNs3xlBncKA9vcWedTAKBggqhkjOPQQDAgNHADBEAiBI
a79fWUrBLlc3h9QW+jtYeJbgklRb9Jlrvznm82l2pQIgD7n3aSK5FXZ/cpCnGvoS
ZynR22ed5n1rUbs9LTv02ME=
-----END CERTIFICATE-----
`

const REDIS_CLIENT_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgHvIXO56+saaEfemb
QufuUDY24Ou87m3QvKG8vFY6EHGhRANCAASj4BpRn1C8utX0bakFwcl5JH/AqQHT
ZJENmPVsyTZevCc4VPC3T8H/cbr4K66jpgnrf7Io2zfGUGdwoD29xZ51
-----END PRIVATE KEY-----
`

export interface ExternalObjects {
  /** Secret name → key → content. */
  readonly secrets?: Readonly<Record<string, Readonly<Record<string, string>>>>
  /** ConfigMap name → key → value. */
  readonly configMaps?: Readonly<Record<string, Readonly<Record<string, string>>>>
}

export const EXTERNAL: ExternalObjects = {
  secrets: {
    'fxa-gate-credentials': {
      'oauth-client-secret': 'client-secret-from-elsewhere',
      'cookie-secrets': 'cookie-secret-from-elsewhere-0123456789abcdef',
      'assertion-key': ASSERTION_KEY,
    },
    'redis-ca': { 'ca.crt': REDIS_CA },
    'fxa-gate-redis-client': { 'tls.crt': REDIS_CLIENT_CERT, 'tls.key': REDIS_CLIENT_KEY },
  },
  configMaps: {
    'fxa-gate-settings': {
      FXA_GATE_CLIENT_ID: 'client-id-from-elsewhere',
      FXA_GATE_REDIS_URL: 'rediss://redis.example.internal:6380/0',
      FXA_GATE_COOKIE_DOMAIN: 'example.com',
      FXA_GATE_ALLOWED_REDIRECT_HOSTS: '*.example.com',
    },
  },
}
