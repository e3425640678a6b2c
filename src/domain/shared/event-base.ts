/*
 * The shape every domain event shares. It lives apart from the `DomainEvent` union so that the
 * aggregates' event files import it without importing the union that imports them.
 */

/** The aggregate kinds of the domain. */
export type AggregateType = 'Template' | 'Request' | 'Machine';

/**
 * Fields every domain event has. Events are plain JSON data: `occurredAt` is an ISO-8601 string,
 * optional ids are absent (never `undefined`), and the payload sits in `data`.
 */
export interface DomainEventBase<TType extends string, TAggregate extends AggregateType, TData> {
  /** Unique id of this event (UUID v4 from the context's IdGenerator). */
  readonly eventId: string;
  readonly type: TType;
  readonly aggregateType: TAggregate;
  readonly aggregateId: string;
  /** The aggregate version the recording call produced; events of one call share it. */
  readonly aggregateVersion: number;
  /** ISO-8601 UTC instant of the call that recorded the event (the context's `now`). */
  readonly occurredAt: string;
  readonly correlationId?: string;
  /** Id of the command that caused the change. */
  readonly causationId?: string;
  /**
   * The caller's metadata given to the command's dispatch (`execute(…, { metadata })`), when it had
   * any: who asked for the change (e.g. `{ principal: { subject, tenant, scopes } }`).
   */
  readonly metadata?: Readonly<Record<string, unknown>>;
  /**
   * The trace the event was committed in, as W3C Trace Context headers, when the host factory runs
   * with instrumentation; its projections, handlers and relays continue that trace.
   */
  readonly trace?: { readonly traceparent: string; readonly tracestate?: string };
  readonly data: TData;
}
