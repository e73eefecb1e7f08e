import { parseCookie, stringifySetCookie } from 'cookie'
import type { CookieSettings } from '../config/derive.ts'

/** The value of one cookie in a Cookie header (the first of that name), or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined || !header.includes(name)) return undefined
  return parseCookie(header)[name]
}

/** A Set-Cookie value with fxa-gate's attributes: HttpOnly, SameSite=Lax, Path=/, Secure unless disabled. */
export function setCookie(settings: CookieSettings, name: string, value: string, maxAgeMs: number): string {
  return stringifySetCookie({
    name,
    value,
    httpOnly: true,
    secure: settings.secure,
    sameSite: 'lax',
    path: '/',
    domain: settings.domain,
    maxAge: Math.max(0, Math.floor(maxAgeMs / 1000)),
  })
}

export function clearCookie(settings: CookieSettings, name: string): string {
  return stringifySetCookie({
    name,
    value: '',
    httpOnly: true,
    secure: settings.secure,
    sameSite: 'lax',
    path: '/',
    domain: settings.domain,
    maxAge: 0,
    expires: new Date(0),
  })
}
