import type { FastifyReply, FastifyRequest } from 'fastify'
import type { TransportRequirements } from '../decision/decide.ts'
import type { RequestParts } from '../decision/request.ts'
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
  /** Reads the request its proxy asks about; throws GateError for what it cannot read. */
  read(request: FastifyRequest): ReadRequest<State>
  readonly answers: Answers<State>
  /**
   * For a transport that sees the body (the sidecar): called instead of answering when reading
   * the body's first bytes may allow the request; it answers later through `answer`.
   */
  readBody?(request: FastifyRequest, reply: FastifyReply, verdict: Verdict, state: State): Answer
}

export interface TransportHandler<State> {
  /** The route handler (or onRequest hook): read → pipeline → answer. */
  handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>
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
  const { answers } = transport
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
  return {
    answer,
    async handle(request, reply) {
      const read = transport.read(request)
      const verdict = await pipeline.decide(read.parts, read.extra)
      if (verdict.bodyDecides && transport.readBody !== undefined)
        return transport.readBody(request, reply, verdict, read.state)
      return answer(request, reply, verdict, read.state)
    },
  }
}
