import { escapeHtml } from '../http/error-reply.ts'

/** No script, no frames: the button can only be pressed by the user, on fxa-gate's own origin. */
export const LOGOUT_PAGE_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"

/**
 * The confirmation page for a logout fxa-gate cannot tell the user asked for (another site's link,
 * an old browser). Its form POSTs from this origin, which ends the session. `returnTo` is a checked
 * return URL. (Localized pages come later; this one is plain English.)
 */
export function logoutPage(action: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Sign out?</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#20123a}h1{font-size:1.4rem}button{font:inherit;padding:.5rem 1.2rem}</style></head><body><h1>Sign out?</h1><p>Do you want to sign out of this site?</p><form method="post" action="${escapeHtml(action)}"><button type="submit">Sign out</button></form></body></html>`
}
