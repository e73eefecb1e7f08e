import { createAuthorityParser } from '../decision/authority.ts'
import type { BodyMethods } from '../decision/body-methods.ts'
import type { Authenticator, Credentials } from '../decision/credentials.ts'
import {
  type Decision,
  type DecisionPolicy,
  decide,
  NO_TRANSPORT_REQUIREMENTS,
  type TransportRequirements,
} from '../decision/decide.ts'
import {
  describeRequest,
  type RequestDescription,
  type RequestParts,
  withBodyMethods,
} from '../decision/request.ts'
import type { Identity } from '../identity/identity.ts'

/** What the pipeline concluded about one request. */
export interface Verdict {
  readonly description: RequestDescription
  readonly identity: Identity | null
  readonly decision: Decision
  /**
   * The request is refused only because its body might name another method, and fxa-gate can read
   * the body (the sidecar): reading its first bytes may turn the decision into an allow.
   */
  readonly bodyDecides: boolean
  readonly extra: TransportRequirements
}

export interface Pipeline {
  /** Describes (validating everything first), authenticates and decides one request. */
  decide(parts: RequestParts, extra?: TransportRequirements): Promise<Verdict>
  /**
   * The same steps without a promise, from what is in memory (the session and bearer caches): the
   * fast path's verdict. Undefined when authenticating needs the store or the provider.
   */
  decideNow(parts: RequestParts, extra?: TransportRequirements): Verdict | undefined
  /** The verdict once the body's first bytes said which methods it names. */
  withBody(verdict: Verdict, body: BodyMethods): Verdict
  /** Whether some rule depends on the host (a transport that cannot always believe it says so). */
  readonly hostScopedRules: boolean
}

export interface PipelineDeps {
  readonly authenticator: Authenticator
  readonly policy: DecisionPolicy
}

/**
 * The one request pipeline of every transport: describe → authenticate → decide. A transport only
 * reads its proxy's request into RequestParts and translates the Decision into its answers.
 */
export function createPipeline(deps: PipelineDeps): Pipeline {
  const { authenticator, policy } = deps
  const readAuthority = createAuthorityParser()
  const credentialsOf = (parts: RequestParts, description: RequestDescription): Credentials => ({
    headers: parts.headers,
    rawHeaders: parts.rawHeaders,
    url: description.url,
    peer: parts.peer,
  })
  function verdictOf(
    parts: RequestParts,
    description: RequestDescription,
    identity: Identity | null,
    extra: TransportRequirements,
  ): Verdict {
    const decision = decide(description, identity, policy, extra)
    const bodyDecides =
      decision.kind !== 'allow' &&
      description.anyMethod &&
      parts.body === 'readable' &&
      decide({ ...description, anyMethod: false }, identity, policy, extra).kind === 'allow'
    return { description, identity, decision, bodyDecides, extra }
  }
  return {
    hostScopedRules: policy.rules.hostScoped,
    decideNow(parts, extra = NO_TRANSPORT_REQUIREMENTS) {
      const description = describeRequest(parts, readAuthority)
      const identity = authenticator.authenticateNow(credentialsOf(parts, description))
      return identity === undefined ? undefined : verdictOf(parts, description, identity, extra)
    },
    async decide(parts, extra = NO_TRANSPORT_REQUIREMENTS) {
      const description = describeRequest(parts, readAuthority)
      const identity = await authenticator.authenticate(credentialsOf(parts, description))
      return verdictOf(parts, description, identity, extra)
    },
    withBody(verdict, body) {
      const description = withBodyMethods(verdict.description, body)
      const decision = decide(description, verdict.identity, policy, verdict.extra)
      return { ...verdict, description, decision, bodyDecides: false }
    },
  }
}
