import { LRUCache } from 'lru-cache'
import { describe, expect, it } from 'vitest'
import { entryBytes } from '../../../src/cache/bytes.ts'

describe('cache entry sizes (lru-cache maxSize)', () => {
  it('counts two bytes per character of the key and of every string in the value', () => {
    const small = entryBytes('k', { sub: 'u1', scopes: ['openid'] })
    const large = entryBytes('k', { sub: 'u1', scopes: ['openid'], profile: { email: 'x'.repeat(10_000) } })
    expect(large - small).toBeGreaterThanOrEqual(20_000)
    expect(entryBytes('k'.repeat(1000), null) - entryBytes('k', null)).toBe(2 * 999)
  })

  it('stops walking at a depth no cached entry reaches, so a cyclic value cannot hang it', () => {
    const cyclic: Record<string, unknown> = { name: 'a' }
    cyclic['self'] = cyclic
    expect(entryBytes('k', cyclic)).toBeGreaterThan(0)
  })

  it('keeps an lru-cache under its byte budget whatever the entry count', () => {
    const cache = new LRUCache<string, { value: string }>({
      max: 10_000,
      maxSize: 100_000,
      sizeCalculation: (value, key) => entryBytes(key, value),
    })
    for (let i = 0; i < 1000; i++) cache.set(`key-${i}`, { value: 'v'.repeat(1000) })
    expect(cache.calculatedSize).toBeLessThanOrEqual(100_000)
    expect(cache.size).toBeLessThan(100)
  })
})
