import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CHANNELS, FAMILIES, type KeyFamily, redisKeys } from '../../../src/redis/keys.ts'
import { fuzzRuns, fuzzSeed } from '../../support/fuzz.ts'

const families = Object.keys(FAMILIES) as KeyFamily[]

describe('the Redis key layout', () => {
  it('has family tags none of which is a prefix of another, with its colon', () => {
    const tags = Object.values(FAMILIES).map((tag) => `${tag}:`)
    expect(new Set(tags).size).toBe(tags.length)
    for (const a of tags) for (const b of tags) if (a !== b) expect(b.startsWith(a)).toBe(false)
  })

  it('never gives two different (family, id) pairs the same key, whatever the ids', () => {
    const keys = redisKeys('fxa-gate:')
    fc.assert(
      fc.property(
        fc.constantFrom(...families),
        fc.string(),
        fc.constantFrom(...families),
        fc.string(),
        (familyA, idA, familyB, idB) => {
          if (familyA === familyB && idA === idB) return
          expect(keys.key(familyA, idA)).not.toBe(keys.key(familyB, idB))
        },
      ),
      { numRuns: fuzzRuns(), seed: fuzzSeed() },
    )
  })

  it('gives back the id of a key of its family, and nothing for another family', () => {
    const keys = redisKeys('p:')
    fc.assert(
      fc.property(fc.constantFrom(...families), fc.string(), (family, id) => {
        expect(keys.idOf(family, keys.key(family, id))).toBe(id)
        for (const other of families) {
          if (other !== family && keys.idOf(other, keys.key(family, id)) !== undefined) {
            // Only possible when the id itself spells the other family's head: never for our ids.
            expect(id.includes(':')).toBe(true)
          }
        }
      }),
      { numRuns: fuzzRuns(), seed: fuzzSeed() },
    )
  })

  it('keeps channels apart from keys and from each other', () => {
    const keys = redisKeys('fxa-gate:')
    const channels = Object.keys(CHANNELS).map((name) => keys.channel(name as keyof typeof CHANNELS))
    expect(new Set(channels).size).toBe(channels.length)
    for (const channel of channels)
      for (const family of families) expect(keys.idOf(family, channel)).toBeUndefined()
    expect(keys.channel('sessions')).toBe('fxa-gate:invalidate')
  })

  it('escapes the glob characters of the prefix in SCAN patterns', () => {
    expect(redisKeys('a*b?[c]\\:').pattern('session')).toBe('a\\*b\\?\\[c\\]\\\\:s:*')
    expect(redisKeys('fxa-gate:').pattern('token')).toBe('fxa-gate:t:*')
  })
})
