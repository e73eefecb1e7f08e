import { closest, distance } from 'fastest-levenshtein'

/**
 * The candidate a mistyped name most likely meant, or undefined when none is close enough to be a
 * typo rather than another name altogether (at most a third of the letters differ, and at least one).
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined
  const best = closest(name, [...candidates])
  const allowed = Math.max(1, Math.floor(Math.max(name.length, best.length) / 3))
  return distance(name, best) <= allowed ? best : undefined
}
