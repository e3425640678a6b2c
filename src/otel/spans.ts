import { context, SpanKind, trace, type Attributes, type Context, type Link } from '@opentelemetry/api';
import type { WorkUnit } from '../kernel/instrumentation';
import { ATTR, MESSAGING_SYSTEM } from './conventions';
import { carrierOfEvent, contextFromCarrier, spanContextOf } from './trace-carrier';

/** How one unit of work is traced and measured: its span's name, kind, parent and attributes. */
export interface SpanPlan {
  readonly name: string;
  readonly kind: SpanKind;
  /** The context the span starts in: the active one, or the trace an event carried. */
  readonly parent: Context;
  readonly links: Link[] | undefined;
  /** Attributes shared by the span and the duration metric (low cardinality). */
  readonly metric: Attributes;
  /** Span-only attributes (ids, positions), built only for a recording span. */
  readonly detail: () => Attributes;
}

/** Most links a projection batch span gets to the traces of the events it applied. */
const MAX_LINKS = 32;

/** The span plan of `unit`, named and attributed after the messaging semantic conventions. */
export function planOf(unit: WorkUnit): SpanPlan {
  switch (unit.kind) {
    case 'command':
    case 'query': {
      const c = unit.context;
      return {
        name: `${unit.kind} ${c.messageName}`,
        kind: SpanKind.INTERNAL,
        parent: context.active(),
        links: undefined,
        metric: { [ATTR.kind]: unit.kind, [ATTR.name]: c.messageName },
        detail: () => ({
          ...processing(unit.kind, c.messageName),
          [ATTR.messageId]: c.messageId,
          [ATTR.conversationId]: c.correlationId,
          ...(c.causationId === undefined ? {} : { [ATTR.causationId]: c.causationId }),
        }),
      };
    }
    case 'event': {
      const e = unit.event as { type: string; eventId?: string };
      const fn = `${unit.handler}.handle`;
      return {
        name: `event ${e.type}`,
        kind: SpanKind.CONSUMER,
        parent: contextFromCarrier(carrierOfEvent(unit.event), context.active()),
        links: undefined,
        metric: { [ATTR.kind]: 'event', [ATTR.name]: e.type, [ATTR.codeFunction]: fn },
        detail: () => ({
          ...processing('event', e.type),
          ...(unit.context.messageId === undefined ? {} : { [ATTR.messageId]: unit.context.messageId }),
          ...(unit.context.correlationId === undefined ? {} : { [ATTR.conversationId]: unit.context.correlationId }),
        }),
      };
    }
    case 'projection': {
      const { parent, links } = batchParent(unit.events.map((s) => s.event));
      return {
        name: `project ${unit.projection}`,
        kind: SpanKind.CONSUMER,
        parent,
        links,
        metric: { [ATTR.kind]: 'projection', [ATTR.name]: unit.projection },
        detail: () => ({
          ...processing('project', unit.projection),
          [ATTR.batchCount]: unit.events.length,
          [ATTR.fromPosition]: unit.events[0]?.position ?? 0,
          [ATTR.toPosition]: unit.events.at(-1)?.position ?? 0,
        }),
      };
    }
    case 'provider':
      return {
        name: `provider ${unit.operation}`,
        kind: SpanKind.CLIENT,
        parent: context.active(),
        links: undefined,
        metric: { [ATTR.kind]: 'provider', [ATTR.name]: unit.operation },
        detail: () => ({
          [ATTR.provider]: unit.operation,
          [ATTR.codeFunction]: `ProviderPort.${unit.operation}`,
          ...(unit.requestId === undefined ? {} : { [ATTR.requestId]: unit.requestId }),
        }),
      };
  }
}

function processing(operation: string, destination: string): Attributes {
  return {
    [ATTR.messagingSystem]: MESSAGING_SYSTEM,
    [ATTR.operationType]: 'process',
    [ATTR.operationName]: operation,
    [ATTR.destination]: destination,
  };
}

/**
 * A batch continues the trace of its first event that has one and links to the other traces it
 * holds, as the messaging conventions ask of batch processing.
 */
function batchParent(events: readonly unknown[]): { parent: Context; links: Link[] | undefined } {
  let parent: Context | undefined;
  const links: Link[] = [];
  const seen = new Set<string>();
  for (const event of events) {
    const span = spanContextOf(carrierOfEvent(event));
    if (span === undefined || seen.has(span.spanId)) continue;
    seen.add(span.spanId);
    if (parent === undefined) parent = trace.setSpanContext(context.active(), span);
    else if (links.length < MAX_LINKS) links.push({ context: span });
  }
  return { parent: parent ?? context.active(), links: links.length > 0 ? links : undefined };
}
