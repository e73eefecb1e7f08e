import type { PageLinks } from './links.ts'
import type { PageLink, PageSpec } from './pages.ts'
import { text } from './text.ts'

/**
 * After a logout. FxA has no logout endpoint for relying parties, so the browser is still signed in
 * there and "sign in again" would go straight through: the page says so, and links to the
 * provider's settings, where the user can sign out of it too.
 */
export function signedOutPage(links: PageLinks): PageSpec {
  const ways: PageLink[] = [
    { href: links.signIn(undefined), text: text('link-sign-in-again'), primary: true },
  ]
  if (links.accountSettings !== undefined)
    ways.push({ href: links.accountSettings, text: text('link-account-settings') })
  return {
    template: 'message',
    status: 200,
    heading: text('signed-out-title'),
    paragraphs: [text('signed-out-reason'), text('signed-out-provider')],
    links: ways,
  }
}
