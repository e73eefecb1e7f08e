import { createAuthorityParser } from '../decision/authority.ts'
import type { BodyMethods } from '../decision/body-methods.ts'
import type { Authenticator, Credentials } from '../decision/credentials.ts'
import {
  type Decision,
  type DecisionPolicy,
  decide,
  NO_TRANSPORT_REQUIREMENTS,
  type TransportRequirements,
  unmetRequirement,
} from '../decision/decide.ts'
import {
  describeRequest,
  type RequestDescription,
  type RequestParts,
  withBodyMethods,
} from '../decision/request.ts'
import type { Identity } from '../identity/identity.ts'
import type { Placement } from '../nodes/placement.ts'
import type { Service, ServiceRegistry } from '../services/registry.ts'

/** What the pipeline concluded about one request. */
export interface Verdict {
  readonly description: RequestDescription
  /** The service the request is for (by its host, or the auth URL's `?service=`); null: the global settings. */
  readonly service: Service | null
  readonly identity: Identity | null
  readonly decision: Decision
  /** The user's node for the service: on an allow with an identity, when the service has nodes. */
  readonly node: string | undefined
  /**
   * The request is refused only because its body might name another method, and fxa-gate can read
   * the body (the sidecar): reading its first bytes may turn the decision into an allow.
   */
  readonly bodyDecides: boolean
  readonly extra: TransportRequirements
}

export interface Pipeline {
  /** Describes (validating everything first), authenticates, decides and places one request. */
  decide(parts: RequestParts, extra?: TransportRequirements): Promise<Verdict>
  /**
   * The same steps without a promise, from what is in memory (the session and bearer caches): the
   * fast path's verdict. Undefined when authenticating needs the store or the provider.
   */
  decideNow(parts: RequestParts, extra?: TransportRequirements): Verdict | undefined
  /** The verdict once the body's first bytes said which methods it names. */
  withBody(verdict: Verdict, body: BodyMethods): Promise<Verdict>
  /** Whether some rule depends on the host (a transport that cannot always believe it says so). */
  readonly hostScopedRules: boolean
  /** Whether some service is chosen by host (the same caveat). */
  readonly servicesByHost: boolean
}

export interface PipelineDeps {
  readonly authenticator: Authenticator
  readonly policy: DecisionPolicy
  readonly services: ServiceRegistry
  readonly placement: Placement
}

/**
 * The one request pipeline of every transport: describe → choose the service → authenticate →
 * decide → place the user on a node. A transport only reads its proxy's request into RequestParts
 * and translates the Verdict into its answers.
 */
export function createPipeline(deps: PipelineDeps): Pipeline {
  const { authenticator, policy, services, placement } = deps
  const readAuthority = createAuthorityParser()
  const credentialsOf = (parts: RequestParts, description: RequestDescription): Credentials => ({
    headers: parts.headers,
    rawHeaders: parts.rawHeaders,
    url: description.url,
    peer: parts.peer,
  })
  // A service that names its bearer scopes or clients makes bearer tokens credentials on its hosts.
  const namedByService: DecisionPolicy = Object.freeze({ ...policy, bearerAcceptedEverywhere: true })
  const optionsOf = (service: Service | null) =>
    service === null ? undefined : { allowedClients: service.allowedClients }

  /** The rules' decision, then the service's own requirements on bearer tokens (its scopes). */
  function decideFor(
    description: RequestDescription,
    service: Service | null,
    identity: Identity | null,
    extra: TransportRequirements,
  ): Decision {
    const decision = decide(description, identity, service?.namesBearerUse ? namedByService : policy, extra)
    if (decision.kind !== 'allow' || identity?.auth !== 'bearer' || service === null) return decision
    const unmet = unmetRequirement(identity, service.bearerRequirements)
    if (unmet === undefined) return decision
    return { kind: 'forbidden', unmet, source: `service ${service.name}`, identity, url: description.url }
  }

  /** The decision, and whether the body's `_method` could still turn a refusal into an allow. */
  function judge(
    parts: RequestParts,
    description: RequestDescription,
    service: Service | null,
    identity: Identity | null,
    extra: TransportRequirements,
  ): { decision: Decision; bodyDecides: boolean } {
    const decision = decideFor(description, service, identity, extra)
    const bodyDecides =
      decision.kind !== 'allow' &&
      description.anyMethod &&
      parts.body === 'readable' &&
      decideFor({ ...description, anyMethod: false }, service, identity, extra).kind === 'allow'
    return { decision, bodyDecides }
  }

  /** The user's node: from this replica's copy without a promise when it can, else from the store. */
  function place(
    decision: Decision,
    service: Service | null,
    identity: Identity | null,
  ): string | undefined | Promise<string | undefined> {
    if (decision.kind !== 'allow' || identity === null || service === null) return undefined
    return placement.nodeFor(service, identity.uid)
  }

  return {
    hostScopedRules: policy.rules.hostScoped,
    servicesByHost: services.services.some((service) => service.hosts.length > 0),
    decideNow(parts, extra = NO_TRANSPORT_REQUIREMENTS) {
      const description = describeRequest(parts, readAuthority)
      const service = services.resolve(description, parts.service)
      const identity = authenticator.authenticateNow(credentialsOf(parts, description), optionsOf(service))
      if (identity === undefined) return undefined
      const { decision, bodyDecides } = judge(parts, description, service, identity, extra)
      const node = bodyDecides ? undefined : place(decision, service, identity)
      // The store must assign the node: fastify's path awaits the same read (placement's single flight).
      if (node instanceof Promise) {
        node.catch(() => {})
        return undefined
      }
      return { description, service, identity, decision, node, bodyDecides, extra }
    },
    async decide(parts, extra = NO_TRANSPORT_REQUIREMENTS) {
      const description = describeRequest(parts, readAuthority)
      const service = services.resolve(description, parts.service)
      const identity = await authenticator.authenticate(credentialsOf(parts, description), optionsOf(service))
      const { decision, bodyDecides } = judge(parts, description, service, identity, extra)
      const node = bodyDecides ? undefined : await place(decision, service, identity)
      return { description, service, identity, decision, node, bodyDecides, extra }
    },
    async withBody(verdict, body) {
      const description = withBodyMethods(verdict.description, body)
      const decision = decideFor(description, verdict.service, verdict.identity, verdict.extra)
      const node = await place(decision, verdict.service, verdict.identity)
      return { ...verdict, description, decision, node, bodyDecides: false }
    },
  }
}
