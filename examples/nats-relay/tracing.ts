import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { MsgHdrs } from 'nats';
import type { StoredEvent } from 'hostfactory-kernel/storage';
import { carrierOf, carrierOfEvent, contextFromCarrier } from 'hostfactory-kernel/otel';

// Spans follow what the OpenTelemetry messaging conventions ask of a broker client: a PRODUCER
// `send <subject>` span continuing the event's stored trace, its context in a W3C `traceparent`
// header, and a CONSUMER `process <subject>` span continuing that header on the other side. With no
// SDK registered the spans are no-ops and the header still carries the event's own trace.
const tracer = () => trace.getTracer('hostfactory-kernel/nats-relay');

/** Runs `send` inside a `send <subject>` span that continues the event's trace, after putting that span in `headers`. */
export async function tracedSend<T>(stored: StoredEvent, subject: string, headers: MsgHdrs, send: () => Promise<T>): Promise<T> {
  const parent = contextFromCarrier(carrierOfEvent(stored.event));
  const span = tracer().startSpan(
    `send ${subject}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'nats',
        'messaging.operation.type': 'send',
        'messaging.destination.name': subject,
        'messaging.message.id': stored.event.eventId,
      },
    },
    parent,
  );
  const carrier = carrierOf(trace.setSpan(parent, span));
  if (carrier !== undefined) {
    headers.set('traceparent', carrier.traceparent);
    if (carrier.tracestate !== undefined) headers.set('tracestate', carrier.tracestate);
  }
  return settle(span, send);
}

/** Runs `work` inside a `process <subject>` span whose parent is the message's `traceparent` header. */
export function tracedProcess<T>(subject: string, headers: MsgHdrs | undefined, work: () => Promise<T>): Promise<T> {
  const traceparent = headers?.get('traceparent') ?? '';
  const tracestate = headers?.get('tracestate') ?? '';
  const parent = contextFromCarrier(traceparent === '' ? undefined : { traceparent, ...(tracestate === '' ? {} : { tracestate }) }, context.active());
  const span = tracer().startSpan(
    `process ${subject}`,
    { kind: SpanKind.CONSUMER, attributes: { 'messaging.system': 'nats', 'messaging.operation.type': 'process', 'messaging.destination.name': subject } },
    parent,
  );
  return context.with(trace.setSpan(parent, span), () => settle(span, work));
}

async function settle<T>(span: Span, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof Error) span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
    throw error;
  } finally {
    span.end();
  }
}
