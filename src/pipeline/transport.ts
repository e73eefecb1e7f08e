import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { TransportRequirements } from '../decision/decide.ts'
import type { RequestParts } from '../decision/request.ts'
import type { ExchangeObserver, FastExchange } from '../observability/http-observer.ts'
import type { DecisionEndpoint } from '../observability/metric-definitions.ts'
import type { Metrics } from '../observability/metrics.ts'
import { createDecisionCounter, type Forbidden } from './answers.ts'
import type { Pipeline, Verdict } from './pipeline.ts'

type Answer = FastifyReply | undefined | Promise<FastifyReply | undefined>

/** What a transport read from its proxy's request. */
export interface ReadRequest<State> {
  readonly parts: RequestParts
  readonly extra?: TransportRequirements | undefined
  /** What the transport needs again to answer (the sidecar's cleaned headers). */
  readonly state: State
}

/** A transport's table of answers: one per kind of decision. */
export interface Answers<State> {
  allow(request: FastifyRequest, reply: FastifyReply, verdict: Verdict, state: State): Answer
  unauthenticated(request: FastifyRequest, reply: FastifyReply, loginUrl: string): Answer
  forbidden(request: FastifyRequest, reply: FastifyReply, decision: Forbidden): Answer
}

/** One transport: how it reads its proxy's request, and how it answers. Nothing else. */
export interface Transport<State> {
  readonly endpoint: DecisionEndpoint
  /**
   * Reads the request its proxy asks about, from Node's request alone (fastify's routes and the
   * fast path read it the same way); throws GateError for what it cannot read.
   */
  read(request: IncomingMessage): ReadRequest<State>
  readonly answers: Answers<State>
  /**
   * For a transport that sees the body (the sidecar): called instead of answering when reading
   * the body's first bytes may allow the request; it answers later through `answer`.
   */
  readBody?(request: FastifyRequest, reply: FastifyReply, verdict: Verdict, state: State): Answer
  /**
   * The allow answer of the fast path: written at once, without fastify or a promise, when all it
   * needs is in memory (a signed assertion, a free admission slot). It calls `begin` once it will
   * answer, and returns false — having done nothing — when it cannot (fastify then answers).
   */
  allowNow?(
    req: IncomingMessage,
    res: ServerResponse,
    verdict: Verdict,
    state: State,
    begin: (req: IncomingMessage, res: ServerResponse, verdict: Verdict) => FastExchange,
  ): boolean
}

export interface TransportHandler<State> {
  /** The route handler (or onRequest hook): read → pipeline → answer. */
  handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>
  /**
   * The same steps on the fast path, synchronously: true when the request was allowed and answered
   * from memory. Otherwise false, and fastify's route answers it — with the verdict reached here
   * when there was one (a refusal), so nothing is decided or counted twice.
   */
  handleNow(req: IncomingMessage, res: ServerResponse, observer: ExchangeObserver): boolean
  /** Counts a verdict, notes it for the access log, and answers it from the transport's table. */
  answer(request: FastifyRequest, reply: FastifyReply, verdict: Verdict, state: State): Answer
}

/** Runs one transport on the shared pipeline. */
export function createTransportHandler<State>(
  pipeline: Pipeline,
  metrics: Metrics,
  transport: Transport<State>,
): TransportHandler<State> {
  const count = createDecisionCounter(metrics, transport.endpoint)
  const fast = metrics.fastPath.labels(transport.endpoint)
  const { answers, allowNow } = transport
  // Verdicts the fast path reached but left to fastify to answer, by request.
  const reached = new WeakMap<IncomingMessage, { read: ReadRequest<State>; verdict: Verdict }>()
  function answer(request: FastifyRequest, reply: FastifyReply, verdict: Verdict, state: State): Answer {
    const { decision } = verdict
    count(request, verdict)
    switch (decision.kind) {
      case 'allow':
        return answers.allow(request, reply, verdict, state)
      case 'unauthenticated':
        return answers.unauthenticated(request, reply, decision.loginUrl)
      case 'forbidden':
        return answers.forbidden(request, reply, decision)
    }
  }
  // One `begin` per observer (there is one): no closure per request.
  let begins: { observer: ExchangeObserver; begin: Parameters<NonNullable<typeof allowNow>>[4] } | undefined
  function begin(observer: ExchangeObserver) {
    if (begins?.observer !== observer)
      begins = {
        observer,
        begin(req, res, verdict) {
          const exchange = observer.begin(req, res, transport.endpoint)
          count(exchange, verdict)
          fast.inc()
          return exchange
        },
      }
    return begins.begin
  }
  return {
    answer,
    handleNow(req, res, observer) {
      if (allowNow === undefined) return false
      let read: ReadRequest<State>
      let verdict: Verdict | undefined
      try {
        read = transport.read(req)
        verdict = pipeline.decideNow(read.parts, read.extra)
      } catch {
        return false // fastify reads it again and answers the error
      }
      if (verdict === undefined) return false
      if (verdict.decision.kind === 'allow' && allowNow(req, res, verdict, read.state, begin(observer)))
        return true
      reached.set(req, { read, verdict })
      return false
    },
    async handle(request, reply) {
      const known = reached.get(request.raw)
      const read = known?.read ?? transport.read(request.raw)
      const verdict = known?.verdict ?? (await pipeline.decide(read.parts, read.extra))
      if (verdict.bodyDecides && transport.readBody !== undefined)
        return transport.readBody(request, reply, verdict, read.state)
      return answer(request, reply, verdict, read.state)
    },
  }
}
