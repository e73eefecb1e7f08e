import type { Config } from '../config/derive.ts'

/** Where the pages' next steps lead, built from configuration once. */
export interface PageLinks {
  /** `<publicUrl><prefix>/start?rd=…` (absolute: a page may be shown on an application's host). */
  signIn(returnTo: string | undefined, extra?: Readonly<Record<string, string>>): string
  /** The same, asking the provider for two-step authentication. */
  stepUp(returnTo: string): string
  /** Signing in with a different account: the provider asks again instead of reusing its session. */
  otherAccount(returnTo: string | undefined): string
  /** "Go back to the app": the return URL when there is one, else the configured default. */
  back(returnTo?: string): string
  /** The provider's account settings (two-step set-up, its own sign-out), when known. */
  readonly accountSettings: string | undefined
  readonly sessions: string
}

export function compilePageLinks(config: Config): PageLinks {
  const signIn = (returnTo: string | undefined, extra: Readonly<Record<string, string>> = {}) => {
    const query = new URLSearchParams({ rd: returnTo ?? config.defaultRedirect, ...extra })
    return `${config.loginUrl}?${query}`
  }
  return {
    signIn,
    stepUp: (returnTo) => signIn(returnTo, { acr_values: 'AAL2' }),
    otherAccount: (returnTo) => signIn(returnTo, { prompt: 'login' }),
    back: (returnTo) => returnTo ?? config.defaultRedirect,
    accountSettings: config.accountSettingsUrl,
    sessions: `${config.loginUrl.slice(0, -'/start'.length)}/sessions`,
  }
}
