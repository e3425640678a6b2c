import { createTraceState, ROOT_CONTEXT, trace, TraceFlags, type Context, type SpanContext } from '@opentelemetry/api';
import type { TraceCarrier } from '../kernel/instrumentation';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The W3C `traceparent` (and `tracestate`) of the span active in `ctx`, or `undefined` when none is
 * valid. Events always store W3C headers, whatever propagator the host configured: a stored format
 * must not change with a process's configuration.
 */
export function carrierOf(ctx: Context): TraceCarrier | undefined {
  const span = trace.getSpanContext(ctx);
  if (span === undefined || !trace.isSpanContextValid(span)) return undefined;
  const flags = (span.traceFlags & 0xff).toString(16).padStart(2, '0');
  const traceparent = `00-${span.traceId}-${span.spanId}-${flags}`;
  const tracestate = span.traceState?.serialize();
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

/** The remote span context a carrier names, or `undefined` when `traceparent` is malformed. */
export function spanContextOf(carrier: TraceCarrier | undefined): SpanContext | undefined {
  const match = carrier === undefined ? null : TRACEPARENT.exec(carrier.traceparent);
  if (match === null) return undefined;
  const span: SpanContext = {
    traceId: match[1]!,
    spanId: match[2]!,
    traceFlags: Number.parseInt(match[3]!, 16) & TraceFlags.SAMPLED,
    isRemote: true,
    ...(carrier?.tracestate ? { traceState: createTraceState(carrier.tracestate) } : {}),
  };
  return trace.isSpanContextValid(span) ? span : undefined;
}

/**
 * A context whose parent is the span a stored event (or a message header set) names, on top of
 * `base` (default: an empty context). Use it to continue an event's trace in a consumer:
 * `context.with(contextFromCarrier(headers), work)`.
 */
export function contextFromCarrier(carrier: TraceCarrier | undefined, base: Context = ROOT_CONTEXT): Context {
  const span = spanContextOf(carrier);
  return span === undefined ? base : trace.setSpanContext(base, span);
}

/** The trace carrier stored on an event (its `trace` field), when it has a well-formed one. */
export function carrierOfEvent(event: unknown): TraceCarrier | undefined {
  const trace = (event as { trace?: unknown } | null)?.trace as TraceCarrier | undefined;
  return typeof trace?.traceparent === 'string' ? trace : undefined;
}
