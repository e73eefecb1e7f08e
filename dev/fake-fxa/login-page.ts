import type { IncomingMessage, ServerResponse } from 'node:http'
import type Provider from 'oidc-provider'
import { escapeHtml, readFields, sendHtml } from './http.ts'
import { signInLevel, type UserDirectory } from './users.ts'

const CODE = /^\d{6}$/

/**
 * The sign-in step at `/interaction/:uid`. A GET shows a form (email, any password, Sign in /
 * Cancel) that a person, Playwright and a plain fetch can all use; a POST signs in, creating the
 * account on the fly for an unknown email. An account with two-step authentication is then asked
 * for a code (any six digits). `acr_values=AAL2` refuses an account without two-step, as FxA does.
 * Consent is never asked: a consent prompt is granted at once.
 */
export function createLoginPage(deps: { provider: Provider; users: UserDirectory }) {
  const { provider, users } = deps

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const interaction = await provider.interactionDetails(req, res).catch(() => undefined)
    if (interaction === undefined) {
      return sendHtml(res, 400, page('<p>No sign-in is in progress (it expired, or cookies were lost).</p>'))
    }
    const { uid, prompt, params, session } = interaction
    const clientId = String(params['client_id'])

    if (prompt.name !== 'login') {
      const grant = interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined
      const granted = grant ?? new provider.Grant({ accountId: session?.accountId, clientId })
      if (typeof params['scope'] === 'string') granted.addOIDCScope(params['scope'])
      const grantId = await granted.save()
      return provider.interactionFinished(
        req,
        res,
        { consent: { grantId } },
        { mergeWithLastSubmission: true },
      )
    }

    // A browser already signed in at the provider is offered its account (FxA: "Continue as …").
    const signedIn = session?.accountId === undefined ? undefined : users.users.get(session.accountId)?.email
    const hint = [params['login_hint'], params['email'], signedIn].find((value) => typeof value === 'string')
    if (req.method !== 'POST') return sendHtml(res, 200, loginForm(uid, clientId, String(hint ?? '')))

    const fields = await readFields(req)
    if (fields['cancel'] !== undefined) {
      const result = { error: 'access_denied', error_description: 'The user cancelled signing in' }
      return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false })
    }
    const email = fields['email']?.trim() ?? ''
    if (!email.includes('@')) {
      return sendHtml(res, 400, loginForm(uid, clientId, email, 'Enter a valid email address.'))
    }
    const aal2Requested = String(params['acr_values'] ?? '')
      .split(' ')
      .includes('AAL2')
    const known = users.byEmail(email)
    if (aal2Requested && known?.twoFactor !== true) {
      const problem = 'This service requires two-step authentication. Turn it on in your account settings.'
      return sendHtml(res, 400, loginForm(uid, clientId, email, problem))
    }
    const user = known ?? users.signIn(email)
    const level = signInLevel(user, aal2Requested)
    if (level.aal === 2 && !CODE.test(fields['code'] ?? '')) {
      const problem = fields['code'] === undefined ? undefined : 'Enter the six-digit code.'
      return sendHtml(res, fields['code'] === undefined ? 200 : 400, codeForm(uid, email, problem))
    }
    if (session !== undefined && session.accountId !== user.uid) {
      // Signing in as someone else replaces the browser session (FxA switches accounts silently;
      // oidc-provider would otherwise insist on an RP-initiated logout, which FxA does not have).
      await (await provider.Session.findByUid(session.uid))?.destroy()
      interaction.session = undefined
      await interaction.save(interaction.exp - Math.floor(Date.now() / 1000))
    }
    const result = { login: { accountId: user.uid, amr: level.amr, acr: level.acr } }
    return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false })
  }
}

function loginForm(uid: string, clientId: string, email: string, problem?: string): string {
  return page(`
<h1>Sign in</h1>
<p>to continue to <strong>${escapeHtml(clientId)}</strong> (fake Mozilla accounts: any password works)</p>
${problem === undefined ? '' : `<p role="alert">${escapeHtml(problem)}</p>`}
<form method="post" action="/interaction/${escapeHtml(uid)}">
  <label>Email <input type="email" name="email" value="${escapeHtml(email)}" autocomplete="email" required autofocus></label>
  <label>Password <input type="password" name="password" autocomplete="current-password"></label>
  <button type="submit" id="sign-in">Sign in</button>
  <button type="submit" name="cancel" value="1" id="cancel" formnovalidate>Cancel</button>
</form>`)
}

function codeForm(uid: string, email: string, problem?: string): string {
  return page(`
<h1>Enter the code</h1>
<p>from your authentication app (fake Mozilla accounts: any six digits work)</p>
${problem === undefined ? '' : `<p role="alert">${escapeHtml(problem)}</p>`}
<form method="post" action="/interaction/${escapeHtml(uid)}">
  <input type="hidden" name="email" value="${escapeHtml(email)}">
  <label>Code <input name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" required autofocus></label>
  <button type="submit" id="confirm">Confirm</button>
  <button type="submit" name="cancel" value="1" id="cancel" formnovalidate>Cancel</button>
</form>`)
}

function page(body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in – fake Mozilla accounts</title></head>
<body>${body}
</body>
</html>
`
}
