import { Container, Token, type ContainerInstance } from 'typedi';
import { CommandBus, QueryBus } from './buses';
import { KernelError, KernelVerificationError, type KernelProblem } from './errors';
import { scopeLeak, ScopedServices, type ScopedService } from './scoped-services';
import { checkDelivery, EventBus, type EventDelivery, type EventErrorListener } from './event-bus';
import { silentLogger, type Logger } from './logger';
import { MessageBusCore } from './message-bus';
import { randomUuid } from './node-crypto';
import { isValidationMiddleware, validation, type Middleware } from './middleware';
import type { Instrumentation } from './instrumentation';
import { construct, parameterProblem, parametersOf, tokenName } from './injection';
import { decoratedHandlers, type Constructor } from './registry';
import { planRoutes, type DurableRoute, type KernelFactoryName, type RoutePlan } from './routing';

/** The token under which every kernel binds its {@link Logger}; handlers may `@Inject(LOGGER)` it. */
export const LOGGER = new Token<Logger>('hostfactory-kernel.logger');
/** Every kernel binds its own {@link CommandBus} here, so a handler can send further commands. */
export const COMMAND_BUS = new Token<CommandBus>('hostfactory-kernel.command-bus');
/** Every kernel binds its own {@link QueryBus} here. */
export const QUERY_BUS = new Token<QueryBus>('hostfactory-kernel.query-bus');
/** Every kernel binds its own {@link EventBus} here. */
export const EVENT_BUS = new Token<EventBus>('hostfactory-kernel.event-bus');

/** Options of {@link createKernel}. */
export interface KernelOptions {
  /** The typedi container to use. Default: a fresh `Container.of(<unique id>)`, reset by `dispose()`. */
  container?: ContainerInstance;
  /**
   * The decorated handler classes this kernel routes, and only these; `'decorated'` (the default)
   * routes every class decorated in the process before the kernel is created, except the library's
   * own use cases. Throws `DUPLICATE_HANDLER` when two of them claim one command or query.
   */
  handlers?: readonly Constructor[] | 'decorated';
  /**
   * Middleware for commands and queries, first = outermost. The `validation()` middleware is added
   * innermost unless the list already has one or `validation` is `false`.
   */
  middleware?: readonly Middleware[];
  /** Validate every message before its handler runs. Default `true`. */
  validation?: boolean;
  /** Where the kernel logs. Default: silent. */
  logger?: Logger;
  /** Called for every failing event handler (after the logger). */
  onEventError?: EventErrorListener;
  /**
   * How `events.publish` runs handlers unless a call says otherwise: `'sequential'` (default),
   * `{ parallel: n }` or `'stop-at-first-failure'` (see {@link EventDelivery}). Throws
   * `INVALID_CONFIGURATION` for anything else.
   */
  eventDelivery?: EventDelivery;
  /**
   * Traces and measures every command, query and event handler (outside all middleware), e.g.
   * `openTelemetry()` from `hostfactory-kernel/otel`. Default: none, at no cost.
   */
  instrumentation?: Instrumentation;
  /**
   * Services built once per top-level dispatch from its context (correlation, causation, the caller's
   * `metadata`), shared by every nested command, query and event handler, and disposed when it ends
   * (see {@link ScopedService}). Declaring any turns `dispatchContext` on. Default: none.
   */
  scoped?: readonly ScopedService[];
  /**
   * Run every dispatch and event delivery in an `AsyncLocalStorage` scope, so nested work inherits
   * its correlation and causation (docs/kernel.md). Default: on when `instrumentation` is given (and
   * always in a host factory), off otherwise, which spares a plain kernel Node 20's promise-hook cost;
   * without it, nested dispatches take `correlationId`/`causationId` from their options.
   */
  dispatchContext?: boolean;
}

/** A kernel: its buses and container, isolated from every other kernel in the process. */
export interface Kernel {
  readonly commands: CommandBus;
  readonly queries: QueryBus;
  readonly events: EventBus;
  readonly container: ContainerInstance;
  /**
   * Checks the wiring and throws one `KernelVerificationError` (`KERNEL_MISCONFIGURED`) listing every
   * problem: duplicate handlers and constructor parameters of command, query and event handlers that
   * this container cannot resolve (no token, metadata dropped by the build tool, token not bound).
   */
  verify(): void;
  /** Releases the kernel; a container the kernel created is reset and forgotten by typedi. */
  dispose(): void;
}

let kernelCount = 0;

/**
 * Creates a kernel. Handlers, adapters bound in its container and explicit registrations belong to
 * this kernel alone, so two kernels in one process (or one test file) never see each other's.
 */
export function createKernel(options: KernelOptions = {}): Kernel {
  return buildKernel(options, { factory: 'createKernel' });
}

/** Who builds a kernel, so that its errors name the fix for the factory the host called. Internal. */
export interface KernelOrigin {
  readonly factory: KernelFactoryName;
  /** Handler classes routed before the host's, not named in its errors (the library's use cases). */
  readonly builtIn?: readonly Constructor[];
}

/** {@link createKernel} for the library's own factories. Internal: not exported from the package. */
export function buildKernel(options: KernelOptions, origin: KernelOrigin): Kernel & { readonly durable: readonly DurableRoute[] } {
  const takesAll = options.handlers === 'decorated' || (options.handlers === undefined && origin.factory === 'createKernel');
  const listed = !takesAll;
  const taken = takesAll ? decoratedHandlers() : ((options.handlers as readonly Constructor[] | undefined) ?? []);
  const plan = planRoutes([...(origin.builtIn ?? []), ...taken], origin.factory, listed);
  if (options.scoped !== undefined && !Array.isArray(options.scoped)) {
    throw new KernelError('INVALID_CONFIGURATION', `${origin.factory}({ scoped }) must be an array of { token, create } objects.`, { details: { option: 'scoped' } });
  }
  const delivery = options.eventDelivery === undefined ? 'sequential' : checkDelivery(options.eventDelivery, `${origin.factory}({ eventDelivery })`);
  // A kernel that would route two classes for one message is refused at once, before it takes a container (docs/kernel.md).
  if (plan.duplicates.length > 0) throw plan.duplicates[0];
  const ownsContainer = options.container === undefined;
  const container = options.container ?? Container.of(`hostfactory-kernel:${++kernelCount}:${randomUuid()}`);
  const logger = options.logger ?? silentLogger;
  if (!container.has(LOGGER)) container.set(LOGGER, logger);
  const where = origin.factory === 'createKernel' ? 'kernel' : 'host factory';
  const bus = origin.factory === 'createKernel' ? 'kernel' : 'hf';

  const middleware = [...(options.middleware ?? [])];
  if (options.validation !== false && !middleware.some(isValidationMiddleware)) middleware.push(validation());

  const fix = (kind: 'command' | 'query', name: string) => missingHandlerFix(origin.factory, bus, kind, name, takesAll);
  const instrumentation = options.instrumentation;
  const services = options.scoped === undefined || options.scoped.length === 0 ? undefined : new ScopedServices(options.scoped, container, logger);
  // Nested dispatches find their top-level dispatch's services through the dispatch context.
  const scoped = services !== undefined || (options.dispatchContext ?? instrumentation !== undefined);
  const commandCore = new MessageBusCore('command', container, middleware, fix, instrumentation, scoped, services);
  const queryCore = new MessageBusCore('query', container, middleware, fix, instrumentation, scoped, services);
  const events = new EventBus(container, logger, options.onEventError, instrumentation, scoped, delivery, services);
  for (const handler of plan.handlers) {
    // Each kernel builds its own instance of each handler class, in its own container.
    if (!container.has(handler)) container.set({ id: handler, factory: (c: ContainerInstance) => construct(handler, c, where) });
  }
  for (const [message, handler] of plan.commands) commandCore.route(message, handler);
  for (const [message, handler] of plan.queries) queryCore.route(message, handler);
  for (const { type, handler } of plan.events) events.register(type, handler as never);

  const commands = new CommandBus(commandCore);
  const queries = new QueryBus(queryCore);
  container.set(COMMAND_BUS, commands);
  container.set(QUERY_BUS, queries);
  container.set(EVENT_BUS, events);

  return {
    commands,
    queries,
    events,
    container,
    durable: plan.durable,
    verify() {
      const found: KernelProblem[] = listed ? [] : lateHandlers(plan, origin);
      if (services !== undefined) found.push(...services.problems());
      for (const handler of plan.handlers) found.push(...dependencyProblems(handler, container, where, services));
      if (found.length > 0) throw new KernelVerificationError(found);
    },
    dispose() {
      commandCore.dispose();
      queryCore.dispose();
      if (ownsContainer) Container.reset(container.id as string);
    },
  };
}

/** What to do about a message nobody handles, for the factory the host called. */
function missingHandlerFix(factory: KernelOrigin['factory'], bus: string, kind: 'command' | 'query', name: string, takesAll: boolean): string {
  const register = `register one with ${bus}.${kind === 'command' ? 'commands' : 'queries'}.register(${name}, handler)`;
  if (takesAll) return `This kernel routes every @${kind}Handler class decorated before it was created: import the module that declares one before calling ${factory}(), or ${register}.`;
  return `List its @${kind}Handler class in ${factory}({ handlers: [...] }), or ${register}.`;
}

/**
 * For a kernel that takes every decorated class: the classes decorated after it was created, which it
 * does not route. Judged with the same rule as at creation, so a late class claiming a message this
 * kernel routes is a `DUPLICATE_HANDLER`.
 */
function lateHandlers(plan: RoutePlan, origin: KernelOrigin): KernelProblem[] {
  const routed = new Set(plan.handlers);
  const late = decoratedHandlers().filter((h) => !routed.has(h));
  if (late.length === 0) return [];
  const now = planRoutes([...plan.handlers, ...late], origin.factory, false);
  const problems: KernelProblem[] = now.duplicates.map((d) => ({ code: 'DUPLICATE_HANDLER', handler: String(d.details.duplicate), message: d.message }));
  for (const handler of late) {
    if (problems.some((p) => p.handler === handler.name)) continue;
    problems.push({
      code: 'UNROUTED_HANDLER',
      handler: handler.name,
      message: `${handler.name} was decorated after this kernel was created, so the kernel does not route it. Import its module before calling ${origin.factory}(), or list the kernel's handlers explicitly.`,
    });
  }
  return problems;
}

function dependencyProblems(handler: Constructor, container: ContainerInstance, where: string, services: ScopedServices | undefined): KernelProblem[] {
  const analysis = parametersOf(handler);
  const problems: KernelProblem[] = [];
  for (const param of analysis.params) {
    const scopedToken = param.token !== undefined && services?.has(param.token) === true;
    const message = scopedToken ? undefined : (parameterProblem(handler, param, analysis, container, where) ?? (services && scopeLeak(param.token, services, container)));
    if (message === undefined) continue;
    problems.push({ code: 'UNRESOLVED_DEPENDENCY', handler: handler.name, parameter: param.index, token: tokenName(param.token), message: message.startsWith(handler.name) ? message : `${handler.name}: constructor parameter #${param.index}: ${message}` });
  }
  return problems;
}
