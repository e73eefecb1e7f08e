/**
 * Character-level rules shared by both forms of return URL. They run on the raw value before any
 * URL parser sees it, so that no parser's leniency (tab stripping, backslash-as-slash, IDNA
 * mapping of full-width forms) can turn a value we read one way into something a browser reads
 * another way.
 */

/** Longest return URL accepted, in bytes: longer values are refused, never truncated. */
export const MAX_RETURN_URL_BYTES = 8192

/**
 * Printable ASCII without space (0x21–0x7E). Everything else is refused in the raw value: browsers
 * strip tab/CR/LF silently, treat `\` as `/`, and IDNA maps look-alike slashes (U+FF0F, U+2215…).
 */
export function isPrintableAsciiWithoutSpace(value: string): boolean {
  return /^[\x21-\x7e]*$/.test(value)
}

/** A `%` not followed by two hex digits: parsers disagree on what it means, so we refuse it. */
export function hasMalformedPercent(value: string): boolean {
  return /%(?![0-9A-Fa-f]{2})/.test(value)
}

/** Decodings beyond the raw value we follow; a value still changing after that is refused. */
const MAX_DECODINGS = 4

/**
 * The raw value followed by each successive percent-decoding, until decoding changes nothing.
 * Bytes are decoded one to one (`%C3%A9` → two characters U+00C3 U+00A9), so invalid UTF-8 such as
 * the overlong `%C0%AF` cannot throw or hide: it shows up as non-ASCII and the caller refuses it.
 * A downstream that decodes once or twice more must still see a safe value, hence every layer.
 * Returns undefined when the encoding is nested deeper than anything legitimate.
 */
export function percentLayers(value: string): readonly string[] | undefined {
  const layers = [value]
  let current = value
  for (let round = 0; round <= MAX_DECODINGS; round++) {
    const decoded = current.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
      String.fromCharCode(parseInt(hex, 16)),
    )
    if (decoded === current) return layers
    layers.push(decoded)
    current = decoded
  }
  return undefined
}

/** C0 controls (tab, CR, LF, VT, NUL…) and DEL: header splitting and silent stripping by browsers. */
export function hasControlCharacter(value: string): boolean {
  return /[\x00-\x1f\x7f]/.test(value)
}
