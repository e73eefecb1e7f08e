import type { PageSpec } from './pages.ts'
import { text } from './text.ts'

/**
 * The confirmation of a sign-out fxa-gate cannot tell the user asked for (another site's link, an
 * old browser): a button whose form POSTs from fxa-gate's own origin.
 */
export function logoutConfirmPage(action: string): PageSpec {
  return {
    template: 'message',
    status: 200,
    heading: text('logout-title'),
    paragraphs: [text('logout-reason')],
    links: [],
    view: { form: { action, button: text('logout-button'), fields: [] } },
  }
}
