import { context, metrics, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, ConsoleSpanExporter, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'hostfactory-kernel';
import { openTelemetry, type Instrumentation } from 'hostfactory-kernel/otel';

/** A started OpenTelemetry SDK and the instrumentation to hand to `createHostFactory`. */
export interface Telemetry {
  readonly instrumentation: Instrumentation;
  /** Where spans and metrics go: `console` or the OTLP endpoint. */
  readonly destination: string;
  /** Flushes what is buffered and stops exporting. */
  shutdown(): Promise<void>;
}

/**
 * Starts tracing and metrics for the service: OTLP over HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is
 * set (the standard variable; `/v1/traces` and `/v1/metrics` are appended), else the console.
 * Registers the providers and an AsyncLocalStorage context manager globally, as the Node SDK does,
 * then builds the instrumentation (metrics bind to the provider registered at that moment).
 */
export function startTelemetry(env: NodeJS.ProcessEnv = process.env): Telemetry {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/+$/, '');
  const spans: SpanExporter = endpoint ? new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }) : new ConsoleSpanExporter();
  const points: PushMetricExporter = endpoint ? new OTLPMetricExporter({ url: `${endpoint}/v1/metrics` }) : new ConsoleMetricExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(spans)] });
  const meterProvider = new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter: points, exportIntervalMillis: Number(env.OTEL_METRIC_EXPORT_INTERVAL ?? 60_000) })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  return {
    instrumentation: openTelemetry(),
    destination: endpoint ?? 'console',
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** The pino calls the library's `Logger` needs; Fastify's `app.log` and `pino()` both have them. */
export interface PinoLike {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** The library's `Logger` writing through pino (fields first, message second, as pino wants them). */
export function pinoLogger(log: PinoLike): Logger {
  return {
    debug: (message, fields) => log.debug(fields ?? {}, message),
    info: (message, fields) => log.info(fields ?? {}, message),
    warn: (message, fields) => log.warn(fields ?? {}, message),
    error: (message, fields) => log.error(fields ?? {}, message),
  };
}

/**
 * A SERVER span per HTTP request (`POST /api/v1/requests`), active while Fastify runs the route, so
 * the commands a route sends nest under it. What `@fastify/otel` does, reduced to this example's needs;
 * with an SDK that instruments Fastify itself, leave this out.
 */
export function traceRequests(app: FastifyInstance): void {
  const spans = new WeakMap<FastifyRequest, Span>();
  app.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url ?? request.url;
    const span = trace.getTracer('hostfactory-kernel/rest-example').startSpan(`${request.method} ${route}`, {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': request.method, 'http.route': route, 'url.path': request.url.split('?')[0] ?? request.url },
    });
    spans.set(request, span);
    // A callback hook: what runs after `done()` (the route included) runs in the span's context.
    context.with(trace.setSpan(context.active(), span), done);
  });
  app.addHook('onResponse', async (request, reply) => {
    const span = spans.get(request);
    if (span === undefined) return;
    span.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
}
