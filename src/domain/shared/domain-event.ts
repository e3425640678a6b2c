import type { MachineEvent } from '../machine/machine.events';
import type { RequestEvent } from '../request/request.events';
import type { TemplateEvent } from '../template/template.events';
import type { DomainContext } from './ports';

import type { AggregateType, DomainEventBase } from './event-base';

export type { AggregateType, DomainEventBase };

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
  'RequestReleaseStarted',
  'RequestReleased',
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
      ...(ctx.metadata === undefined ? {} : { metadata: ctx.metadata }),
      data,
    };
    this.#recorded.push(event as E);
  }
}
