import { describe, expect, it } from 'vitest'
import {
  changeTimeMs,
  EVENT_URI_BASE,
  eventLabel,
  readAccountEvents,
} from '../../../src/events/account-event.ts'

const uri = (name: string) => `${EVENT_URI_BASE}${name}`

describe('reading the events of a SET', () => {
  it('reads every FxA event, several per SET', () => {
    const events = readAccountEvents({
      [uri('password-change')]: { changeTime: 1_700_000_000_123 },
      [uri('profile-change')]: { email: 'new@example.org', locale: 'de', displayName: '', extra: 1 },
      [uri('subscription-state-change')]: {
        capabilities: ['a', 'b', 'a'],
        isActive: true,
        changeTime: 1_700_000_000_000,
      },
      [uri('metrics-opt-out')]: {},
      [uri('metrics-opt-in')]: {},
    })
    expect(events).toEqual([
      { kind: 'password-change', changeTime: 1_700_000_000_123 },
      { kind: 'profile-change', fields: { email: 'new@example.org', locale: 'de' } },
      {
        kind: 'subscription-state-change',
        capabilities: ['a', 'b'],
        isActive: true,
        changeTime: 1_700_000_000_000,
      },
      { kind: 'metrics-opt-out' },
      { kind: 'metrics-opt-in' },
    ])
  })

  it('puts delete-user last, whatever its place in the SET', () => {
    const events = readAccountEvents({
      [uri('delete-user')]: {},
      [uri('subscription-state-change')]: {
        capabilities: ['a'],
        isActive: true,
        changeTime: 1_700_000_000_000,
      },
      [uri('profile-change')]: {},
    })
    expect(events.map((e) => e.kind)).toEqual(['subscription-state-change', 'profile-change', 'delete-user'])
  })

  it('reads unknown names and foreign URIs as unknown', () => {
    const events = readAccountEvents({
      [uri('something-new')]: { x: 1 },
      'https://schemas.openid.net/secevent/risc/event-type/account-disabled': {},
      [`${EVENT_URI_BASE}`]: {},
    })
    expect(events).toEqual([{ kind: 'unknown' }, { kind: 'unknown' }, { kind: 'unknown' }])
    expect(events.map(eventLabel)).toEqual(['unknown', 'unknown', 'unknown'])
  })

  it('ends every session when a password-change has no usable changeTime (fail safe)', () => {
    for (const payload of [
      {},
      { changeTime: 'yesterday' },
      { changeTime: -5 },
      null,
      'x',
      { changeTime: Number.NaN },
    ]) {
      expect(readAccountEvents({ [uri('password-change')]: payload })).toEqual([
        { kind: 'password-change', changeTime: undefined },
      ])
    }
  })

  it('marks a subscription change it cannot use as malformed, by name', () => {
    for (const payload of [
      { isActive: true, changeTime: 1 },
      { capabilities: 'a', isActive: true, changeTime: 1_700_000_000_000 },
      { capabilities: [1], isActive: true, changeTime: 1_700_000_000_000 },
      { capabilities: ['a'], isActive: 'yes', changeTime: 1_700_000_000_000 },
      { capabilities: ['a'], isActive: true },
    ]) {
      const [event] = readAccountEvents({ [uri('subscription-state-change')]: payload })
      expect(event?.kind, JSON.stringify(payload)).toBe('malformed')
      expect(eventLabel(event!)).toBe('subscription-state-change')
    }
  })

  it('keeps only short string profile fields', () => {
    const [event] = readAccountEvents({
      [uri('profile-change')]: { email: 42, displayName: 'x'.repeat(2000), avatar: 'https://a.test/p.png' },
    })
    expect(event).toEqual({ kind: 'profile-change', fields: { avatar: 'https://a.test/p.png' } })
  })
})

describe('change times', () => {
  it('takes ms as they are and converts seconds (the mistake that never ended a session)', () => {
    expect(changeTimeMs(1_565_721_242_227)).toBe(1_565_721_242_227)
    expect(changeTimeMs(1_565_721_242)).toBe(1_565_721_242_000)
    expect(changeTimeMs(1_565_721_242.5)).toBe(1_565_721_242_500)
    expect(changeTimeMs(0)).toBeUndefined()
    expect(changeTimeMs('1565721242227')).toBeUndefined()
    expect(changeTimeMs(Number.POSITIVE_INFINITY)).toBeUndefined()
  })
})
