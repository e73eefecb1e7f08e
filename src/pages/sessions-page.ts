import type { SessionSummary } from '../user-sessions/list.ts'
import { browserName } from '../user-sessions/user-agent.ts'
import type { PageLinks } from './links.ts'
import type { PageSpec } from './pages.ts'
import { Ago, Moment, type Text, text } from './text.ts'

/** What the last revocation did, shown once above the list. */
export type SessionsNotice = 'ended' | 'ended-all' | undefined

/** "Where you are signed in": each session with its browser, times and network, and a way to end it. */
export function sessionsPage(
  sessions: readonly SessionSummary[],
  input: { links: PageLinks; revokeAction: string; notice: SessionsNotice; now: number },
): PageSpec {
  const rows = sessions.map((session) => {
    const named = browserName(session.userAgent ?? undefined)
    const browser: Text = named
      ? text('sessions-browser', { browser: named.browser, system: named.system })
      : text('sessions-unknown-browser')
    return {
      id: session.id,
      current: session.current,
      browser,
      signedIn: text('sessions-signed-in', { date: new Moment(session.createdAt) }),
      lastSeen: text('sessions-last-seen', { when: new Ago(session.lastSeenAt, input.now) }),
      address: session.ip === null ? undefined : text('sessions-address', { ip: session.ip }),
    }
  })
  const paragraphs = [text('sessions-intro')]
  if (input.links.accountSettings !== undefined) paragraphs.push(text('sessions-provider'))
  const links =
    input.links.accountSettings === undefined
      ? []
      : [{ href: input.links.accountSettings, text: text('link-account-settings') }]
  return {
    template: 'sessions',
    status: 200,
    heading: text('sessions-title'),
    paragraphs,
    links,
    view: {
      sessions: rows,
      others: sessions.filter((session) => !session.current).length,
      revoke_action: input.revokeAction,
      notice:
        input.notice === 'ended'
          ? text('sessions-ended')
          : input.notice === 'ended-all'
            ? text('sessions-ended-all')
            : undefined,
      labels: {
        current: text('sessions-current'),
        end: text('sessions-end'),
        end_all: text('sessions-end-all'),
        only_this: text('sessions-only-this'),
      },
    },
  }
}
