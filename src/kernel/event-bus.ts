import type { ContainerInstance } from 'typedi';
import type { EventContext, EventHandler, EventMessage } from './handler';
import type { Logger } from './logger';
import { instantiate } from './injection';
import type { Instrumentation } from './instrumentation';
import { currentScope, eventScope, instrumented, runInScope, type CausationScope } from './scope';
import { scopedBuild, ServiceScope, type ScopedServices } from './scoped-services';
import { KernelError } from './errors';
import type { Constructor } from './registry';

/** One handler failure reported by {@link EventBus.publish}. */
export interface EventFailure {
  /** The handler's class name. */
  handler: string;
  eventType: string;
  error: unknown;
}

/** What {@link EventBus.publish} did: successful deliveries and every failure. */
export interface PublishReport {
  /** Number of (event, handler) deliveries that succeeded. */
  delivered: number;
  failed: EventFailure[];
}

/** Called for every failing event handler; must not throw (if it does, the error is logged and dropped). */
export type EventErrorListener = (error: unknown, failure: { handler: string; eventType: string; event: EventMessage }) => void;

/**
 * How {@link EventBus.publish} runs the handlers of the events it is given; every strategy reports
 * the same `{ delivered, failed }` and never rejects.
 * - `'sequential'` (default): event after event, each event's handlers one after another in
 *   registration order; every handler runs, whatever failed before it.
 * - `{ parallel: n }`: every (event, handler) delivery of the call, started in that same order, at
 *   most `n` running at once; every handler runs. No order between deliveries is kept.
 * - `'stop-at-first-failure'`: sequential, and the first failing handler stops the call: the
 *   deliveries after it are not attempted (`delivered + failed.length` tells how far it got).
 */
export type EventDelivery = 'sequential' | 'stop-at-first-failure' | { readonly parallel: number };

/** Options of one {@link EventBus.publish} call. */
export interface PublishOptions {
  /** The correlation every handler runs in; default: each event's own `correlationId`. */
  correlationId?: string;
  /** How to deliver this call's events; default: the kernel's `eventDelivery`. */
  delivery?: EventDelivery;
}

/** Checks an {@link EventDelivery}; throws `INVALID_CONFIGURATION` naming what to pass. Internal. */
export function checkDelivery(delivery: unknown, where: string): EventDelivery {
  if (delivery === 'sequential' || delivery === 'stop-at-first-failure') return delivery;
  if (typeof delivery === 'object' && delivery !== null) {
    const parallel = (delivery as { parallel?: unknown }).parallel;
    if (Number.isSafeInteger(parallel) && (parallel as number) >= 1) return { parallel: parallel as number };
  }
  throw new KernelError(
    'INVALID_CONFIGURATION',
    `${where} must be 'sequential', 'stop-at-first-failure' or { parallel: n } with n a whole number ≥ 1; got ${describe(delivery)}.`,
    { details: { option: where } },
  );
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

type Source = Constructor<EventHandler> | EventHandler;

interface DeliveryContext {
  readonly scope: CausationScope;
  readonly context: EventContext;
}

interface Subscription {
  readonly name: string;
  readonly source: Source;
  instance: EventHandler | undefined;
  /** How to build the handler for one delivery when it needs a scoped service, else false (known at first use). */
  perDispatch: ((scope: ServiceScope) => EventHandler | Promise<EventHandler>) | false | undefined;
}

/**
 * Delivers events to every handler of their `type`. `publish` awaits them all, as its
 * {@link EventDelivery} says (default: one after another in registration order); a failing handler
 * never rejects `publish` and, except with `'stop-at-first-failure'`, never stops the others.
 */
export class EventBus {
  private readonly subscriptions = new Map<string, Subscription[]>();

  /** @internal Use `createKernel()`. */
  constructor(
    private readonly container: ContainerInstance,
    private readonly logger: Logger,
    private readonly onEventError: EventErrorListener | undefined,
    private readonly instrumentation?: Instrumentation,
    private readonly scoped = true,
    private readonly delivery: EventDelivery = 'sequential',
    private readonly services?: ScopedServices,
  ) {}

  /** Adds `handler` (an instance, or a class built from this kernel's container) for `eventType`, in this kernel only. */
  register<E extends EventMessage>(eventType: E['type'], handler: EventHandler<E> | Constructor<EventHandler<E>>): void {
    const list = this.subscriptions.get(eventType) ?? [];
    const name = typeof handler === 'function' ? handler.name : (handler.constructor?.name ?? 'handler');
    list.push({ name, source: handler as Source, instance: undefined, perDispatch: undefined });
    this.subscriptions.set(eventType, list);
  }

  /** The event types that have at least one handler. */
  eventTypes(): string[] {
    return [...this.subscriptions.keys()];
  }

  /**
   * Delivers `events` and resolves, once every handler has run (or the strategy stopped), to a report
   * of deliveries and failures. Never rejects; an event type nobody handles is simply not delivered.
   * `options.delivery` overrides the kernel's {@link EventDelivery} for this call (an invalid one is
   * a rejection with `INVALID_CONFIGURATION`). Each handler runs in the event's scope: a command it
   * executes inherits the event's `correlationId` (or the one given here) and records the event's
   * `eventId` as its causation.
   */
  async publish<E extends EventMessage>(events: E | readonly E[], options: PublishOptions = {}): Promise<PublishReport> {
    const list: readonly EventMessage[] = Array.isArray(events) ? events : [events as EventMessage];
    const delivery = options.delivery === undefined ? this.delivery : checkDelivery(options.delivery, 'publish({ delivery })');
    const report: PublishReport = { delivered: 0, failed: [] };
    if (this.services === undefined) {
      await this.deliverAll(list, options.correlationId, delivery, report, undefined);
      return report;
    }
    // In a kernel with scoped services, a publish made inside a dispatch shares its scope; one made
    // outside any dispatch is a scope of its own, ended (its services disposed) when it is done.
    const inherited = currentScope()?.services;
    if (inherited !== undefined && inherited.services === this.services && !inherited.isEnded) {
      await this.deliverAll(list, options.correlationId, delivery, report, inherited);
      return report;
    }
    const origin = { kind: 'event', message: list, messageId: undefined, correlationId: options.correlationId, causationId: undefined, metadata: {} } as const;
    const scope = new ServiceScope(this.services, origin);
    try {
      await this.deliverAll(list, options.correlationId, delivery, report, scope);
    } finally {
      await scope.end({ failed: report.failed.length > 0, ...(report.failed.length > 0 ? { error: report.failed[0]?.error } : {}) });
    }
    return report;
  }

  private async deliverAll(list: readonly EventMessage[], correlationId: string | undefined, delivery: EventDelivery, report: PublishReport, services: ServiceScope | undefined): Promise<void> {
    if (typeof delivery === 'object') return this.deliverInParallel(list, correlationId, delivery.parallel, report, services);
    const stopAtFailure = delivery === 'stop-at-first-failure';
    for (const event of list) {
      const subscriptions = this.subscriptions.get(event?.type);
      if (subscriptions === undefined) continue;
      const context = this.contextOf(event, correlationId, services);
      for (const subscription of subscriptions) {
        if (!(await this.deliver(subscription, event, context, report)) && stopAtFailure) return;
      }
    }
  }

  /** Every (event, handler) pair of `list`, started in order, at most `limit` at once. */
  private async deliverInParallel(list: readonly EventMessage[], correlationId: string | undefined, limit: number, report: PublishReport, services: ServiceScope | undefined): Promise<void> {
    const pending: (() => Promise<boolean>)[] = [];
    for (const event of list) {
      const subscriptions = this.subscriptions.get(event?.type);
      if (subscriptions === undefined) continue;
      const context = this.contextOf(event, correlationId, services);
      for (const subscription of subscriptions) pending.push(() => this.deliver(subscription, event, context, report));
    }
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < pending.length) await pending[next++]!();
    };
    await Promise.all(Array.from({ length: Math.min(limit, pending.length) }, worker));
  }

  private contextOf(event: EventMessage, correlationId: string | undefined, services: ServiceScope | undefined): DeliveryContext {
    const scope = eventScope(event, this.instrumentation, correlationId, services);
    return { scope, context: { container: this.container, correlationId: scope.correlationId, messageId: scope.messageId } };
  }

  /** Runs one handler on one event; true when it succeeded. A failure is reported, never thrown. */
  private async deliver(subscription: Subscription, event: EventMessage, { scope, context }: DeliveryContext, report: PublishReport): Promise<boolean> {
    try {
      subscription.perDispatch ??= (this.services !== undefined && typeof subscription.source === 'function' && scopedBuild(subscription.source, this.services, 'kernel')) || false;
      const handler = subscription.perDispatch !== false ? await subscription.perDispatch(scope.services as ServiceScope) : this.resolve(subscription);
      // Module-level functions, not named local closures (the build renames those at every call).
      await (this.scoped
        ? runInScope(scope, deliverInstrumented, this.instrumentation, subscription.name, handler, event, context)
        : deliverInstrumented(this.instrumentation, subscription.name, handler, event, context));
      report.delivered++;
      return true;
    } catch (error) {
      report.failed.push({ handler: subscription.name, eventType: event.type, error });
      this.report(error, subscription.name, event);
      return false;
    }
  }

  private resolve(subscription: Subscription): EventHandler {
    if (subscription.instance !== undefined) return subscription.instance;
    const source = subscription.source;
    const instance =
      typeof source === 'function'
        ? (instantiate(source, this.container) as EventHandler)
        : source;
    subscription.instance = instance;
    return instance;
  }

  private report(error: unknown, handler: string, event: EventMessage): void {
    this.logger.error(`event handler ${handler} failed on ${event.type}`, {
      handler,
      eventType: event.type,
      error: error instanceof Error ? error.message : String(error),
    });
    if (this.onEventError === undefined) return;
    try {
      this.onEventError(error, { handler, eventType: event.type, event });
    } catch (listenerError) {
      this.logger.error('onEventError threw; its error was dropped', {
        error: listenerError instanceof Error ? listenerError.message : String(listenerError),
      });
    }
  }
}

/** Delivers one event to one handler as a unit of the instrumentation's work (none: directly). */
function deliverInstrumented(instrumentation: Instrumentation | undefined, name: string, handler: EventHandler, event: EventMessage, context: EventContext): Promise<void> {
  return instrumented({ kind: 'event', handler: name, event, context }, async () => handler.handle(event, context), instrumentation);
}
