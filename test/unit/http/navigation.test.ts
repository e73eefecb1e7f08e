import { describe, expect, it } from 'vitest'
import { isNavigation } from '../../../src/http/navigation.ts'

describe('telling a browser navigation from an API client', () => {
  it.each([
    [{ 'sec-fetch-mode': 'navigate', accept: 'text/html' }, true],
    [{ 'sec-fetch-mode': 'cors', accept: 'text/html' }, false],
    [{ 'sec-fetch-mode': 'no-cors' }, false],
    [{ accept: 'text/html,application/xhtml+xml' }, true],
    [{ accept: 'application/json' }, false],
    [{ accept: '*/*' }, false],
    [{}, false],
    [{ accept: 'text/html', 'x-requested-with': 'XMLHttpRequest' }, false],
    [{ 'sec-fetch-mode': 'navigate', 'x-requested-with': 'xmlhttprequest' }, false],
    [{ accept: 'text/html', upgrade: 'websocket' }, false],
  ])('%o → navigation %s', (headers, expected) => {
    expect(isNavigation(headers)).toBe(expected)
  })
})
