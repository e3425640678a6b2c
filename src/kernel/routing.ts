import { DuplicateHandlerError, KernelVerificationError } from './errors';
import { registrationsOf, type Constructor, type DurableHandlerSettings } from './registry';

/** Who builds a kernel, so that its errors name the fix for the factory the host called. Internal. */
export type KernelFactoryName = 'createKernel' | 'createHostFactory' | 'createTestHostFactory';

/** What one kernel routes, judged from the decorators' records of the classes it takes. Internal. */
export interface RoutePlan {
  /** The distinct handler classes, in the order given. */
  readonly handlers: readonly Constructor[];
  /** Command and query routes: message class → its one handler class. */
  readonly commands: ReadonlyMap<Constructor, Constructor>;
  readonly queries: ReadonlyMap<Constructor, Constructor>;
  /** Event subscriptions, in the order given. */
  readonly events: readonly { readonly type: string; readonly handler: Constructor }[];
  /** Durable event handlers: delivered by a host factory's processors, never by the event bus. */
  readonly durable: readonly DurableRoute[];
  /** Every message claimed by two different classes of this kernel. */
  readonly duplicates: readonly DuplicateHandlerError[];
}

/** A durable event handler and what it handles. Internal. */
export interface DurableRoute {
  readonly handler: Constructor;
  readonly eventTypes: readonly string[];
  readonly settings: DurableHandlerSettings;
}

/**
 * The one place the duplicate rule lives: among the classes one kernel takes, a command or query
 * claimed by two different classes is a `DuplicateHandlerError` naming both. Event types may have
 * any number of handlers. Throws `KERNEL_MISCONFIGURED` for a listed class no decorator has seen.
 */
export function planRoutes(classes: readonly Constructor[], factory: KernelFactoryName, listed: boolean): RoutePlan {
  const handlers: Constructor[] = [];
  const commands = new Map<Constructor, Constructor>();
  const queries = new Map<Constructor, Constructor>();
  const events: { type: string; handler: Constructor }[] = [];
  const durable: DurableRoute[] = [];
  const duplicates: DuplicateHandlerError[] = [];
  const seen = new Set<Constructor>();
  for (const handler of classes) {
    if (seen.has(handler)) continue;
    seen.add(handler);
    handlers.push(handler);
    for (const claim of registrationsOf(handler) ?? notDecorated(handler, factory)) {
      if (claim.kind === 'event' && claim.durable !== undefined) {
        durable.push({ handler, eventTypes: claim.eventTypes ?? [], settings: claim.durable });
        continue;
      }
      if (claim.kind === 'event') {
        for (const type of claim.eventTypes ?? []) events.push({ type, handler });
        continue;
      }
      const routes = claim.kind === 'command' ? commands : queries;
      const message = claim.message as Constructor;
      const existing = routes.get(message);
      if (existing === undefined) routes.set(message, handler);
      else if (existing !== handler) duplicates.push(new DuplicateHandlerError(message.name, existing.name, handler.name, duplicateFix(factory, listed)));
    }
  }
  return { handlers, commands, queries, events, durable, duplicates };
}

function duplicateFix(factory: KernelFactoryName, listed: boolean): string {
  const list = factory === 'createKernel' ? 'createKernel({ handlers: [...] })' : `${factory}({ handlers: [...] })`;
  return listed
    ? `Keep one handler per command or query in one kernel: list only one of them in ${list}.`
    : `This kernel takes every decorated handler of the process; give each kernel the classes it routes with ${list}, or remove one decorator.`;
}

function notDecorated(handler: Constructor, factory: KernelFactoryName): never {
  throw new KernelVerificationError([
    {
      code: 'UNRESOLVED_DEPENDENCY',
      handler: handler.name,
      message: `${handler.name} is listed in ${factory}({ handlers }) but has no @commandHandler, @queryHandler or @eventHandler decorator.`,
    },
  ]);
}
