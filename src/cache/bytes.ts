/** Bytes a JavaScript string may take (two per UTF-16 code unit, whatever V8 chooses). */
export const stringBytes = (value: string): number => 2 * value.length

/** What V8 spends on an object besides its contents (header, hidden class share, map slots). */
const OBJECT_OVERHEAD = 64

/**
 * A cache entry's size for lru-cache's `maxSize`: an upper estimate of its key and value, strings
 * counted two bytes per code unit, every object and array with a fixed overhead. Walks the value, so
 * call it on insertion only (a miss), never on a hit.
 */
export function entryBytes(key: string, value: unknown): number {
  return stringBytes(key) + valueBytes(value, 0)
}

function valueBytes(value: unknown, depth: number): number {
  if (typeof value === 'string') return stringBytes(value) + 16
  if (value === null || typeof value !== 'object') return 8
  // Deeper than any entry fxa-gate caches: counted as one object rather than walked for ever.
  if (depth > 4) return OBJECT_OVERHEAD
  let bytes = OBJECT_OVERHEAD
  if (Array.isArray(value)) {
    for (const item of value) bytes += 8 + valueBytes(item, depth + 1)
    return bytes
  }
  for (const name in value)
    bytes += 8 + stringBytes(name) + valueBytes((value as Record<string, unknown>)[name], depth + 1)
  return bytes
}

export const MiB = 1024 * 1024
