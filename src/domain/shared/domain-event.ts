import type { MachineEvent } from '../machine/machine.events';
import type { RequestEvent } from '../request/request.events';
import type { TemplateEvent } from '../template/template.events';
import type { DomainContext } from './ports';

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
  readonly data: TData;
}

/** Every event the domain records: a union discriminated by `type`. */
export type DomainEvent = TemplateEvent | RequestEvent | MachineEvent;

/** The `type` of any {@link DomainEvent}. */
export type DomainEventType = DomainEvent['type'];

/** Every domain event type, in aggregate order. */
export const DOMAIN_EVENT_TYPES = [
  'TemplateCreated',
  'TemplateUpdated',
  'TemplateDeleted',
  'RequestCreated',
  'RequestStatusChanged',
  'RequestMachinesAttached',
  'RequestTerminationFailed',
  'RequestTerminationResent',
  'RequestAcknowledged',
  'RequestCompleted',
  'MachineCreated',
  'MachineStatusChanged',
  'MachineUpdated',
  'MachineReturnRequested',
] as const satisfies readonly DomainEventType[];

/** True when `value` is an object whose `type` is one of {@link DOMAIN_EVENT_TYPES}. */
export function isDomainEvent(value: unknown): value is DomainEvent {
  if (typeof value !== 'object' || value === null) return false;
  return (DOMAIN_EVENT_TYPES as readonly unknown[]).includes((value as { type?: unknown }).type);
}

type AnyEvent = DomainEventBase<string, AggregateType, unknown>;

/**
 * Base of the three aggregates: owns the version and the recorded events. A state-changing call
 * calls `beginChange()` once (version + 1) and then `record()`s its events with that version.
 */
export abstract class AggregateRoot<E extends AnyEvent> {
  #version: number;
  #recorded: E[] = [];

  protected constructor(version: number) {
    this.#version = version;
  }

  /** 1 after creation, +1 for every state-changing call; unchanged by no-ops and failures. */
  get version(): number {
    return this.#version;
  }

  /** Returns the events recorded since the last call, in order, and forgets them. */
  pullEvents(): E[] {
    const events = this.#recorded;
    this.#recorded = [];
    return events;
  }

  protected abstract get aggregateType(): E['aggregateType'];
  protected abstract get aggregateId(): string;

  protected beginChange(): void {
    this.#version += 1;
  }

  protected record<T extends E['type']>(type: T, data: Extract<E, { type: T }>['data'], ctx: DomainContext): void {
    const event: AnyEvent = {
      eventId: ctx.ids.uuid(),
      type,
      aggregateType: this.aggregateType,
      aggregateId: this.aggregateId,
      aggregateVersion: this.#version,
      occurredAt: ctx.now.toISOString(),
      ...(ctx.correlationId === undefined ? {} : { correlationId: ctx.correlationId }),
      ...(ctx.causationId === undefined ? {} : { causationId: ctx.causationId }),
      data,
    };
    this.#recorded.push(event as E);
  }
}
