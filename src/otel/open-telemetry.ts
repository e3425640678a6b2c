import {
  context,
  createContextKey,
  createNoopMeter,
  ROOT_CONTEXT,
  metrics,
  ProxyTracerProvider,
  SpanStatusCode,
  trace,
  type MeterProvider,
  type Span,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { isKernelError } from '../kernel/errors';
import type { Instrumentation, WorkUnit } from '../kernel/instrumentation';
import { ATTR, SCOPE } from './conventions';
import { KernelMetrics } from './metrics';
import { planOf } from './spans';
import { carrierOf } from './trace-carrier';

/** Options of {@link openTelemetry}. */
export interface OpenTelemetryOptions {
  /** Where spans go. Default: the globally registered provider (`trace.setGlobalTracerProvider`). */
  readonly tracerProvider?: TracerProvider;
  /**
   * Where metrics go. Default: the provider registered globally when `openTelemetry()` is called, so
   * start the SDK first (the metrics API, unlike the trace API, does not pick up a later one).
   */
  readonly meterProvider?: MeterProvider;
}

/**
 * OpenTelemetry traces and metrics for a kernel or host factory, added with one line:
 * `createHostFactory({ ..., instrumentation: openTelemetry() })`. A span per command, query, event
 * handler, projection batch and provider call, nested as the work nested; the trace stored with each
 * committed event and continued when it is processed; the metrics listed in docs/observability.md.
 * With no SDK registered every span is a no-op and nothing is recorded.
 */
export function openTelemetry(options: OpenTelemetryOptions = {}): Instrumentation {
  const fixed = options.tracerProvider?.getTracer(SCOPE);
  /** The tracer of the SDK registered now, or `undefined` while none is: then spans are skipped at no cost. */
  const tracerNow = (): Tracer | undefined => {
    if (fixed !== undefined) return fixed;
    const provider = trace.getTracerProvider();
    return provider instanceof ProxyTracerProvider ? provider.getDelegateTracer(SCOPE) : provider.getTracer(SCOPE);
  };
  const meter = (options.meterProvider ?? metrics).getMeter(SCOPE);
  // No meter provider registered: the API hands out its no-op meter (a fresh `createNoopMeter()` is never
  // the same object, so compare their class), and nothing is measured.
  const measures = meter.constructor === createNoopMeter().constructor ? undefined : new KernelMetrics(meter);

  const settle = (span: Span, attributes: Record<string, unknown>, started: number, error: unknown, failed: boolean): void => {
    const code = failed ? errorType(error) : undefined;
    if (span.isRecording()) {
      if (code === undefined) span.setAttribute(ATTR.outcome, 'success');
      else {
        span.setAttributes({ [ATTR.outcome]: 'failure', [ATTR.errorType]: code, ...(isKernelError(error) ? { [ATTR.errorCode]: error.code } : {}) });
        if (error instanceof Error) span.recordException(error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      }
    }
    span.end();
    measures?.finished(attributes as never, (performance.now() - started) / 1000, code);
  };

  return {
    wrap<T>(unit: WorkUnit, work: () => Promise<T>): Promise<T> {
      const tracer = tracerNow();
      // No SDK at all (the library's promise: hosts without one pay next to nothing).
      if (tracer === undefined && measures === undefined) return work();
      const plan = planOf(unit);
      const span = (tracer ?? trace.getTracer(SCOPE)).startSpan(plan.name, { kind: plan.kind, attributes: plan.metric, ...(plan.links ? { links: plan.links } : {}) }, plan.parent);
      if (span.isRecording()) {
        span.setAttributes(plan.detail());
        if (!contextManagerChecked) warnIfFlat();
      }
      const started = performance.now();
      let running: Promise<T>;
      try {
        running = context.with(trace.setSpan(plan.parent, span), work);
      } catch (error) {
        running = Promise.reject(error);
      }
      return running.then(
        (result) => {
          settle(span, plan.metric, started, undefined, false);
          return result;
        },
        (error: unknown) => {
          settle(span, plan.metric, started, error, true);
          throw error;
        },
      );
    },
    carrier: () => carrierOf(context.active()),
    signal(signal) {
      measures?.signal(signal);
      const span = trace.getActiveSpan();
      if (span?.isRecording()) {
        span.addEvent(signal.kind === 'attempt-failed' ? 'attempt failed' : 'record conflict', {
          [ATTR.retried]: signal.retried,
          [ATTR.errorType]: signal.kind === 'attempt-failed' ? signal.code : 'CONCURRENCY_CONFLICT',
        });
      }
    },
    watchProjections: (read) => measures?.watchProjections(read) ?? (() => undefined),
  };
}

/** The warning {@link openTelemetry} emits once when spans are recorded but no context manager carries them. */
export const FLAT_TRACES_WARNING = 'HOSTFACTORY_OTEL_NO_CONTEXT_MANAGER';

let contextManagerChecked = false;
const PROBE = createContextKey('hostfactory-kernel context manager probe');

/**
 * With the API's no-op context manager (the SDK's `BasicTracerProvider` registers none), a context
 * entered with `context.with` is never active inside it: every span starts its own trace, silently.
 * Checked once per process, at the first recorded span, through the public API only.
 */
function warnIfFlat(): void {
  contextManagerChecked = true;
  const probe = ROOT_CONTEXT.setValue(PROBE, true);
  if (context.with(probe, () => context.active().getValue(PROBE)) === true) return;
  process.emitWarning(
    'openTelemetry(): spans are recorded but no OpenTelemetry context manager is registered, so every span starts its own trace. ' +
      'Register one before the first dispatch: NodeSDK does it; with BasicTracerProvider call ' +
      'context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()) from @opentelemetry/context-async-hooks (docs/observability.md).',
    { code: FLAT_TRACES_WARNING, type: 'HostFactoryWarning' },
  );
}

/** Resets the once-per-process check (tests only). @internal */
export function resetFlatTracesCheck(): void {
  contextManagerChecked = false;
}

/** `error.type`: the kernel error's code, else the error's class name, else `_OTHER`. */
function errorType(error: unknown): string {
  if (isKernelError(error)) return error.code;
  if (error instanceof Error && error.name) return error.name;
  return '_OTHER';
}
