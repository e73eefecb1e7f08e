/** Mozilla's blue: white text on it, and it as text on white, both pass WCAG AA (5.4:1). */
export const DEFAULT_ACCENT = '#0061e0'
const DARK_TEXT = '#15141a'
const WHITE = '#ffffff'

/** What an operator's FXA_GATE_BRANDING_* settings give every page, computed once. */
export interface Branding {
  /** The site's name, when the operator set one. */
  readonly product: string | undefined
  readonly logoUrl: string | undefined
  /** The accent colour (buttons), as `#rrggbb`. */
  readonly accent: string
  /** Text on the accent: white or near-black, whichever reads better. */
  readonly onAccent: string
  /** Links: the accent when it reads well on white (4.5:1), else the text colour. */
  readonly link: string
}

export interface BrandingSettings {
  readonly brandingProductName?: string | undefined
  readonly brandingLogoUrl?: string | undefined
  readonly brandingAccentColor?: string | undefined
}

/**
 * The branding of the pages. The colour has been validated as `#rgb` or `#rrggbb` by the
 * configuration schema (it goes into CSS, where HTML escaping does not protect); the contrast
 * checks keep an operator's colour from making a page unreadable.
 */
export function compileBranding(settings: BrandingSettings): Branding {
  const accent = expandHex(settings.brandingAccentColor ?? DEFAULT_ACCENT)
  const onAccent = contrast(accent, WHITE) >= contrast(accent, DARK_TEXT) ? WHITE : DARK_TEXT
  return Object.freeze({
    product: settings.brandingProductName,
    logoUrl: settings.brandingLogoUrl,
    accent,
    onAccent,
    link: contrast(accent, WHITE) >= 4.5 ? accent : DARK_TEXT,
  })
}

/** `#abc` → `#aabbcc`, lower-case. */
function expandHex(colour: string): string {
  const hex = colour.slice(1).toLowerCase()
  return `#${hex.length === 3 ? [...hex].map((digit) => digit + digit).join('') : hex}`
}

/** WCAG 2 contrast ratio of two `#rrggbb` colours. */
export function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number]
  return (light + 0.05) / (dark + 0.05)
}

function luminance(colour: string): number {
  const channel = (offset: number) => {
    const value = Number.parseInt(colour.slice(offset, offset + 2), 16) / 255
    return value <= 0.040_45 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4
  }
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
}
