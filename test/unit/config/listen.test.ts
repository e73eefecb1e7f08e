import { describe, expect, it } from 'vitest'
import { listenAddress, listenAddressSchema } from '../../../src/config/listen.ts'

describe('listen addresses', () => {
  it('splits host and port, IPv6 brackets removed', () => {
    expect(listenAddress('0.0.0.0:4180')).toEqual({ host: '0.0.0.0', port: 4180 })
    expect(listenAddress('[::1]:8443')).toEqual({ host: '::1', port: 8443 })
    expect(listenAddress('localhost:1')).toEqual({ host: 'localhost', port: 1 })
  })

  it('validates host:port with the example in the message, and the port range', () => {
    const schema = listenAddressSchema('0.0.0.0:8443')
    expect(schema.safeParse('[::]:8443').success).toBe(true)
    const messages = (value: unknown) => schema.safeParse(value).error?.issues.map((i) => i.message)
    expect(messages('8443')).toEqual(['expected host:port, e.g. 0.0.0.0:8443'])
    expect(messages('0.0.0.0:65536')).toEqual(['port out of range'])
    expect(messages('a b:80')).toEqual(['expected host:port, e.g. 0.0.0.0:8443'])
  })
})
