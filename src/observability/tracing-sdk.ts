import type { IncomingMessage } from 'node:http'
import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources'
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace'
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions'
import { errorFields } from './error-fields.ts'
import type { Logger } from './logger.ts'
import type { SpanHandle, Tracing } from './tracing.ts'

type Env = Readonly<Record<string, string | undefined>>

/** OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG, as the specification names them. */
function samplerFrom(env: Env, logger: Logger): Sampler {
  const name = (env['OTEL_TRACES_SAMPLER'] ?? 'parentbased_always_on').trim().toLowerCase()
  const ratio = Number(env['OTEL_TRACES_SAMPLER_ARG'] ?? '1')
  const byRatio = () =>
    new TraceIdRatioBasedSampler(Number.isFinite(ratio) ? Math.min(Math.max(ratio, 0), 1) : 1)
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler()
    case 'always_off':
      return new AlwaysOffSampler()
    case 'traceidratio':
      return byRatio()
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() })
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: byRatio() })
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() })
    default:
      logger.warn({ sampler: name }, 'unknown OTEL_TRACES_SAMPLER; using parentbased_always_on')
      return new ParentBasedSampler({ root: new AlwaysOnSampler() })
  }
}

function handle(span: Span): SpanHandle {
  return {
    end(outcome) {
      if (outcome?.attributes) span.setAttributes(outcome.attributes)
      if (outcome?.error !== undefined) {
        const fields = errorFields(outcome.error)
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: fields.code ?? fields.causeCode ?? fields.causeClass,
        })
        if (fields.causeClass) span.setAttribute('error.type', fields.causeCode ?? fields.causeClass)
      }
      span.end()
    },
  }
}

/** Header getter/setter for the W3C propagator over Node's lower-cased header objects. */
const getter = {
  keys: (carrier: IncomingMessage['headers']) => Object.keys(carrier),
  get: (carrier: IncomingMessage['headers'], key: string) => carrier[key],
}
const setter = {
  set: (carrier: Record<string, string | string[]>, key: string, value: string) => {
    carrier[key] = value
  },
}

/** The SDK behind `Tracing`, loaded only when tracing is on. */
export async function createSdkTracing(options: {
  readonly version: string
  readonly logger: Logger
  readonly env: Env
}): Promise<Tracing> {
  const { env, logger } = options
  const protocol = env['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'] ?? env['OTEL_EXPORTER_OTLP_PROTOCOL']
  if (protocol !== undefined && protocol !== 'http/protobuf')
    logger.warn({ protocol }, 'only the http/protobuf OTLP protocol is supported; using it')
  const detected = await detectResources({ detectors: [envDetector] })
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: 'fxa-gate',
    [ATTR_SERVICE_VERSION]: options.version,
  }).merge(detected)
  const provider = new TracerProvider({
    resource,
    sampler: samplerFrom(env, logger),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })],
  })
  const contextManager = new AsyncLocalStorageContextManager().enable()
  context.setGlobalContextManager(contextManager)
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  )
  trace.setGlobalTracerProvider(provider)
  const tracer = provider.getTracer('fxa-gate', options.version)
  logger.info('OpenTelemetry tracing on (OTLP http/protobuf)')

  return {
    enabled: true,
    request(raw, next) {
      const parent: Context = propagation.extract(ROOT_CONTEXT, raw.headers, getter)
      const span = tracer.startSpan(
        `${raw.method ?? 'GET'}`,
        { kind: SpanKind.SERVER, attributes: { 'http.request.method': raw.method ?? 'GET' } },
        parent,
      )
      context.with(trace.setSpan(parent, span), next)
      return {
        end(outcome) {
          const route = outcome?.attributes?.['fxa_gate.endpoint']
          if (typeof route === 'string') span.updateName(`${raw.method ?? 'GET'} ${route}`)
          handle(span).end(outcome)
        },
      }
    },
    async call(name, attributes, run) {
      const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes })
      const active = trace.setSpan(context.active(), span)
      try {
        const result = await context.with(active, run)
        span.end()
        return result
      } catch (error) {
        handle(span).end({ error })
        throw error
      }
    },
    upstream(headers, attributes) {
      const span = tracer.startSpan('upstream', { kind: SpanKind.CLIENT, attributes })
      delete headers['traceparent']
      delete headers['tracestate']
      propagation.inject(trace.setSpan(context.active(), span), headers, setter)
      return handle(span)
    },
    async shutdown() {
      await provider.shutdown().catch((error: unknown) => {
        logger.warn(errorFields(error), 'could not export the last spans')
      })
      contextManager.disable()
    },
  }
}
