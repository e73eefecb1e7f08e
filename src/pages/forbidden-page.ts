import type { UnmetRequirement } from '../decision/decide.ts'
import type { Identity } from '../identity/identity.ts'
import type { PageLinks } from './links.ts'
import type { PageLink, PageSpec } from './pages.ts'
import { AnyOf, type Text, text } from './text.ts'

/** At most this many allowed domains are named on a page; more read as a wall of text. */
const MAX_DOMAINS_NAMED = 3

export interface ForbiddenPageInput {
  readonly unmet: UnmetRequirement
  readonly identity: Identity
  /** The refused URL: signing in again (or with two-step) comes back to it. */
  readonly url: string
  /** Display names of subscription capabilities (`brandingPlanNames`). */
  readonly planNames: Readonly<Record<string, string>>
}

/**
 * The 403 page: which requirement failed, in the user's terms ("This area is for staff.example
 * accounts", "Needs a Premium subscription"), and what would let them in. It names allowed
 * domains (the user needs them to pick an account) but never the allowed emails of other people.
 */
export function forbiddenPage(input: ForbiddenPageInput, links: PageLinks): PageSpec {
  const { unmet, identity, url } = input
  const signedInAs = identity.email === null ? [] : [text('page-signed-in-as', { email: identity.email })]
  const back: PageLink = { href: links.back(), text: text('link-back') }
  const otherAccount: PageLink = { href: links.otherAccount(url), text: text('link-other-account') }
  let paragraphs: Text[]
  let ways: PageLink[]
  switch (unmet.kind) {
    case 'email': {
      const domains = unmet.allowedDomains.slice(0, MAX_DOMAINS_NAMED)
      const rule =
        domains.length > 0 && unmet.allowedDomains.length <= MAX_DOMAINS_NAMED
          ? text('forbidden-domain', { domains: new AnyOf(domains) })
          : text('forbidden-emails')
      paragraphs = [rule, ...signedInAs, text('forbidden-other-account')]
      ways = [{ ...otherAccount, primary: true }, back]
      break
    }
    case 'group':
      // Group names are the provider's internals: the page says only that the account is not let in.
      paragraphs = [text('forbidden-emails'), ...signedInAs, text('forbidden-other-account')]
      ways = [{ ...otherAccount, primary: true }, back]
      break
    case 'capability': {
      const plan = input.planNames[unmet.capability] ?? unmet.capability
      paragraphs = [text('forbidden-plan', { plan }), ...signedInAs, text('forbidden-plan-how')]
      ways = [
        { href: links.signIn(url), text: text('link-sign-in-again'), primary: true },
        otherAccount,
        back,
      ]
      break
    }
    case 'scope':
      paragraphs = [text('forbidden-scope'), ...signedInAs]
      ways = [
        { href: links.signIn(url), text: text('link-sign-in-again'), primary: true },
        otherAccount,
        back,
      ]
      break
    case 'aal':
      if (unmet.required > 2) {
        paragraphs = [text('forbidden-assurance'), ...signedInAs]
        ways = [{ ...otherAccount, primary: true }, back]
        break
      }
      return stepUpPage(links, url, [
        text('forbidden-two-step'),
        ...signedInAs,
        text('forbidden-two-step-how'),
      ])
  }
  return { template: 'message', status: 403, heading: text('forbidden-title'), paragraphs, links: ways }
}

/**
 * The page after a step-up that did not give two-step authentication (the provider returned AAL1),
 * or for a request that cannot be stepped up: how to turn two-step on, and a way to try again.
 * Never an automatic redirect, so there is no loop.
 */
export function stepUpPage(
  links: PageLinks,
  returnTo: string,
  paragraphs: readonly Text[] = [text('step-up-reason'), text('step-up-how')],
): PageSpec {
  const ways: PageLink[] = []
  if (links.accountSettings !== undefined)
    ways.push({ href: links.accountSettings, text: text('link-account-settings'), primary: true })
  ways.push({ href: links.stepUp(returnTo), text: text('link-step-up'), primary: ways.length === 0 })
  ways.push({ href: links.back(), text: text('link-back') })
  return { template: 'message', status: 403, heading: text('step-up-title'), paragraphs, links: ways }
}
