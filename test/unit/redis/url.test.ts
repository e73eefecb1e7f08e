import { describe, expect, it } from 'vitest'
import { parseRedisUrl, redactRedisUrl } from '../../../src/redis/url.ts'

describe('parseRedisUrl', () => {
  it('reads a standalone URL with credentials and database', () => {
    expect(parseRedisUrl('redis://gate:s3cret@redis.internal:6380/2')).toEqual({
      kind: 'standalone',
      node: { host: 'redis.internal', port: 6380 },
      db: 2,
      tls: false,
      username: 'gate',
      password: 's3cret',
    })
  })

  it('defaults the port to 6379 and the database to 0', () => {
    expect(parseRedisUrl('redis://localhost')).toMatchObject({
      node: { host: 'localhost', port: 6379 },
      db: 0,
    })
    expect(parseRedisUrl('redis://localhost/')).toMatchObject({ db: 0 })
  })

  it('takes a password without a user name', () => {
    expect(parseRedisUrl('redis://:pw@h:1')).toMatchObject({ username: undefined, password: 'pw' })
  })

  it('decodes percent-encoded credentials', () => {
    expect(parseRedisUrl('redis://us%40er:p%3Aa%2Fss%40@h')).toMatchObject({
      username: 'us@er',
      password: 'p:a/ss@',
    })
  })

  it('turns on TLS for rediss://', () => {
    expect(parseRedisUrl('rediss://h:6380')).toMatchObject({ kind: 'standalone', tls: true })
    expect(parseRedisUrl('REDISS://h')).toMatchObject({ tls: true })
  })

  it('reads IPv6 addresses in brackets', () => {
    expect(parseRedisUrl('redis://[::1]:6390')).toMatchObject({ node: { host: '::1', port: 6390 } })
  })

  it('reads a Sentinel URL: sentinels, master name, database', () => {
    expect(parseRedisUrl('redis+sentinel://u:p@s1:26379,s2,10.0.0.3:26380/mymaster/3')).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
        { host: '10.0.0.3', port: 26380 },
      ],
      masterName: 'mymaster',
      db: 3,
      tls: false,
      username: 'u',
      password: 'p',
    })
    expect(parseRedisUrl('rediss+sentinel://s1/m')).toMatchObject({ kind: 'sentinel', tls: true, db: 0 })
  })

  it('reads a Cluster URL', () => {
    expect(parseRedisUrl('redis+cluster://:pw@n1:7000,n2:7001')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 7001 },
      ],
      tls: false,
      username: undefined,
      password: 'pw',
    })
    expect(parseRedisUrl('rediss+cluster://n1')).toMatchObject({
      tls: true,
      nodes: [{ host: 'n1', port: 6379 }],
    })
  })

  it.each([
    ['http://h:6379', /expected redis/],
    ['redis+nonsense://h', /expected redis/],
    ['redis://', /no host/],
    ['redis://h:0', /bad port/],
    ['redis://h:70000', /bad port/],
    ['redis://h:', /bad port/],
    ['redis://h:abc', /bad port/],
    ['redis://h1,h2', /names one host/],
    ['redis://h/x', /database must be a number/],
    ['redis://h/1/2', /unexpected path/],
    ['redis://h?db=1', /query strings/],
    ['redis://h#x', /query strings/],
    ['redis://b@d host', /bad host/],
    ['redis://h,,i', /bad host/],
    ['redis+sentinel://s1:26379', /master name/],
    ['redis+sentinel://s1/m/1/2', /unexpected path/],
    ['redis+cluster://n1/1', /only database 0/],
    ['redis://u:%zz@h', /percent-encoding in the password/],
  ])('refuses %s', (url, reason) => {
    expect(() => parseRedisUrl(url)).toThrow(reason)
  })

  it('never puts the password in its error messages', () => {
    expect(() => parseRedisUrl('redis://user:hunter2@h:99999')).toThrow(/^(?!.*hunter2)/)
    try {
      parseRedisUrl('redis://user:hunter2@h1,h2')
    } catch (error) {
      expect(String(error)).not.toContain('hunter2')
    }
  })
})

describe('redactRedisUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(redactRedisUrl('redis://user:hunter2@h:6379/1')).toBe('redis://user:***@h:6379/1')
    expect(redactRedisUrl('redis+sentinel://:pw@s1,s2/m')).toBe('redis+sentinel://:***@s1,s2/m')
    expect(redactRedisUrl('redis://h:6379')).toBe('redis://h:6379')
    expect(redactRedisUrl('redis://user:pa@ss@h')).toBe('redis://user:***@h')
    expect(redactRedisUrl('redis://onlysecret@h')).toBe('redis://***@h')
    expect(redactRedisUrl('not a url')).toBe('not a url')
  })
})
