import { z } from 'zod'

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/

/**
 * Parses a duration such as `90s`, `15m`, `24h`, `7d` or a bare number of seconds into milliseconds.
 * Returns undefined for anything else.
 */
export function parseDuration(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input * 1000 : undefined
  const match = DURATION.exec(input.trim())
  if (!match) return undefined
  return Math.round(Number(match[1]) * (UNITS[match[2] ?? 's'] ?? 1000))
}

/** A duration in configuration (`30s`, `15m`, or a number of seconds), as milliseconds. */
export const durationSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDuration(value)
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration such as 30s, 15m, 24h, 7d' })
    return z.NEVER
  }
  return ms
})
