import type { ContainerInstance } from 'typedi';
import { KernelError } from '../../kernel/errors';
import type { EventContext, EventHandler } from '../../kernel/handler';
import type { Logger } from '../../kernel/logger';
import type { DurableRoute } from '../../kernel/routing';
import { eventScope, runInScope } from '../../kernel/scope';
import type { Storage } from '../../storage/storage';
import type { ProcessorContext, ProcessorHandler } from './delivery';
import { EventProcessor } from './event-processor';
import { isProcessorName } from '../../storage/processor-errors';

/** The context a durable event handler receives: the usual one plus its processor's delivery. */
export interface DurableEventContext extends EventContext {
  /** The processor delivering the event; `processor.transaction(work)` commits writes with the checkpoint. */
  readonly processor: ProcessorContext;
}

/** Settings every durable handler of one host factory shares (`createHostFactory({ processors })`). */
export interface HostProcessorSettings {
  /** This replica's id in leases. Default: a random UUID per host factory. */
  readonly owner?: string;
  /** How long a replica keeps a partition without renewing: the failover time. Default 10 000 ms. */
  readonly leaseMs?: number;
  /** Idle poll interval. Default 200 ms. */
  readonly pollMs?: number;
}

/** The durable handlers of a host factory, one {@link EventProcessor} each. */
export interface HostProcessors {
  /** Starts every processor on this replica (idempotent). */
  start(): void;
  /** Stops them all, storing checkpoints and giving leases up. */
  stop(): Promise<void>;
  /** Resolves once every processor has handled every event committed before the call. */
  whenCaughtUp(timeoutMs?: number): Promise<void>;
  /** The processor of that name; throws `PROCESSOR_NOT_FOUND` naming the known ones. */
  get(name: string): EventProcessor;
  /** Every processor, in declaration order. */
  list(): readonly EventProcessor[];
}

/** Builds a processor per durable route; throws `INVALID_CONFIGURATION` when the storage has no processor store or names clash. */
export function createHostProcessors(
  routes: readonly DurableRoute[],
  storage: Storage,
  container: ContainerInstance,
  settings: HostProcessorSettings,
  logger: Logger,
): HostProcessors {
  const store = storage.processors;
  if (routes.length > 0 && store === undefined) {
    throw new KernelError(
      'INVALID_CONFIGURATION',
      `Durable event handlers (${routes.map((r) => r.handler.name).join(', ')}) need a storage with a processor store (storage.processors); this storage has none. Use an adapter that provides one (in-memory, the SQLite or PostgreSQL examples) or drop { durable } from their @eventHandler.`,
      { details: { option: 'storage.processors', handlers: routes.map((r) => r.handler.name) } },
    );
  }
  const byName = new Map<string, EventProcessor>();
  for (const route of routes) {
    const name = route.settings.name ?? route.handler.name;
    if (!isProcessorName(name) || byName.has(name)) {
      throw new KernelError(
        'INVALID_CONFIGURATION',
        `Durable event handler ${route.handler.name} needs a unique processor name of 1-100 letters, digits, ".", "_" or "-"; ${JSON.stringify(name)} is ${byName.has(name) ? 'taken by another durable handler' : 'not one'}. Give it @eventHandler(..., { durable: { name } }).`,
        { details: { handler: route.handler.name, name } },
      );
    }
    const { name: _name, ...tuning } = route.settings;
    const processor = new EventProcessor({ ...tuning, ...settings, name, eventLog: storage.eventLog, store: store!, logger, handle: durableHandle(route, container) });
    byName.set(name, processor);
  }
  const all = [...byName.values()];
  return {
    start: () => all.forEach((p) => p.start()),
    stop: async () => void (await Promise.all(all.map((p) => p.stop()))),
    whenCaughtUp: async (timeoutMs) => void (await Promise.all(all.map((p) => p.whenCaughtUp(timeoutMs)))),
    get: (name) => {
      const found = byName.get(name);
      if (found !== undefined) return found;
      throw new KernelError('PROCESSOR_NOT_FOUND', `No durable event handler runs as processor ${JSON.stringify(name)}; known: ${all.map((p) => p.name).join(', ') || 'none'}.`, {
        details: { name, known: all.map((p) => p.name) },
      });
    },
    list: () => all,
  };
}

/** Runs the handler class on the events of its types, in the event's own scope (its correlation and causation). */
function durableHandle(route: DurableRoute, container: ContainerInstance): ProcessorHandler {
  const types = new Set(route.eventTypes);
  let handler: EventHandler | undefined;
  return (stored, processor) => {
    if (!types.has(stored.event.type)) return;
    handler ??= container.get(route.handler) as EventHandler;
    const scope = eventScope(stored.event, undefined);
    const context: DurableEventContext = { container, correlationId: scope.correlationId, messageId: scope.messageId, processor };
    return runInScope(scope, () => handler!.handle(stored.event, context));
  };
}
