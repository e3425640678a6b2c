import type { ContainerInstance } from 'typedi';
import type { EventContext, EventHandler, EventMessage } from './handler';
import type { Logger } from './logger';
import { instantiate } from './injection';
import type { Instrumentation } from './instrumentation';
import { eventScope, instrumented, runInScope } from './scope';
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

type Source = Constructor<EventHandler> | EventHandler;

interface Subscription {
  readonly name: string;
  readonly source: Source;
  instance: EventHandler | undefined;
}

/**
 * Delivers events to every handler of their `type`. `publish` awaits all of them: per event, the
 * handlers run one after another in registration order; a failing handler never stops the others
 * and never rejects `publish`.
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
  ) {}

  /** Adds `handler` (an instance, or a class built from this kernel's container) for `eventType`, in this kernel only. */
  register<E extends EventMessage>(eventType: E['type'], handler: EventHandler<E> | Constructor<EventHandler<E>>): void {
    const list = this.subscriptions.get(eventType) ?? [];
    const name = typeof handler === 'function' ? handler.name : (handler.constructor?.name ?? 'handler');
    list.push({ name, source: handler as Source, instance: undefined });
    this.subscriptions.set(eventType, list);
  }

  /** The event types that have at least one handler. */
  eventTypes(): string[] {
    return [...this.subscriptions.keys()];
  }

  /**
   * Delivers `events` in order and resolves, once every handler has run, to a report of deliveries
   * and failures. Never rejects; an event type nobody handles is simply not delivered. Each handler
   * runs in the event's scope: a command it executes inherits the event's `correlationId` (or the
   * one given here) and records the event's `eventId` as its causation.
   */
  async publish<E extends EventMessage>(events: E | readonly E[], options: { correlationId?: string } = {}): Promise<PublishReport> {
    const list: readonly EventMessage[] = Array.isArray(events) ? events : [events as EventMessage];
    const report: PublishReport = { delivered: 0, failed: [] };
    for (const event of list) {
      const subscriptions = this.subscriptions.get(event?.type);
      if (subscriptions === undefined) continue;
      const scope = eventScope(event, this.instrumentation, options.correlationId);
      const context: EventContext = { container: this.container, correlationId: scope.correlationId, messageId: scope.messageId };
      for (const subscription of subscriptions) {
        try {
          const handler = this.resolve(subscription);
          // Module-level functions, not named local closures (the build renames those at every call).
          await (this.scoped
            ? runInScope(scope, deliverInstrumented, this.instrumentation, subscription.name, handler, event, context)
            : deliverInstrumented(this.instrumentation, subscription.name, handler, event, context));
          report.delivered++;
        } catch (error) {
          report.failed.push({ handler: subscription.name, eventType: event.type, error });
          this.report(error, subscription.name, event);
        }
      }
    }
    return report;
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
