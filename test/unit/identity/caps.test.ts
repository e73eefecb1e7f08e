import { describe, expect, it } from 'vitest'
import { IDENTITY_CAPS, identityOverCap } from '../../../src/identity/caps.ts'

describe('identity caps', () => {
  it('accept every field at its cap and refuse one byte or item more', () => {
    for (const [field, cap] of Object.entries(IDENTITY_CAPS)) {
      if ('items' in cap) {
        expect(
          identityOverCap({ [field]: Array.from({ length: cap.items }, () => 'x'.repeat(cap.bytes)) }),
        ).toBeUndefined()
        expect(identityOverCap({ [field]: Array.from({ length: cap.items + 1 }, () => 'x') })).toMatch(field)
        expect(identityOverCap({ [field]: ['x'.repeat(cap.bytes + 1)] })).toMatch(field)
      } else {
        expect(identityOverCap({ [field]: 'x'.repeat(cap.bytes) })).toBeUndefined()
        expect(identityOverCap({ [field]: 'x'.repeat(cap.bytes + 1) })).toMatch(
          `${field}: ${cap.bytes + 1} bytes`,
        )
      }
    }
  })

  it('count UTF-8 bytes, not characters', () => {
    expect(identityOverCap({ displayName: 'é'.repeat(128) })).toBeUndefined()
    expect(identityOverCap({ displayName: 'é'.repeat(129) })).toMatch('258 bytes')
  })

  it('ignore absent and null fields', () => {
    expect(identityOverCap({ email: null, avatar: undefined })).toBeUndefined()
  })
})
