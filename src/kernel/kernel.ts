import { randomUUID } from 'node:crypto';
import { Container, Token, type ContainerInstance } from 'typedi';
import { CommandBus, QueryBus } from './buses';
import { DuplicateHandlerError, KernelVerificationError, type KernelProblem } from './errors';
import { EventBus, type EventErrorListener } from './event-bus';
import { silentLogger, type Logger } from './logger';
import { MessageBusCore } from './message-bus';
import { isValidationMiddleware, validation, type Middleware } from './middleware';
import type { Instrumentation } from './instrumentation';
import { construct, parameterProblem, parametersOf, tokenName } from './injection';
import { registrationOf, type Constructor, type HandlerRegistration } from './registry';

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
   * The decorated handler classes this kernel routes, and only these (default: none). A decorator
   * only records what a class handles; a kernel never picks up a class it was not given.
   */
  handlers?: readonly Constructor[];
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
   * Traces and measures every command, query and event handler (outside all middleware), e.g.
   * `openTelemetry()` from `hostfactory-kernel/otel`. Default: none, at no cost.
   */
  instrumentation?: Instrumentation;
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
  readonly factory: 'createKernel' | 'createHostFactory' | 'createTestHostFactory';
  /** Handler classes routed before the host's, not named in its errors (the library's use cases). */
  readonly builtIn?: readonly Constructor[];
}

/** {@link createKernel} for the library's own factories. Internal: not exported from the package. */
export function buildKernel(options: KernelOptions, origin: KernelOrigin): Kernel {
  const ownsContainer = options.container === undefined;
  const container = options.container ?? Container.of(`hostfactory-kernel:${++kernelCount}:${randomUUID()}`);
  const logger = options.logger ?? silentLogger;
  if (!container.has(LOGGER)) container.set(LOGGER, logger);
  const where = origin.factory === 'createKernel' ? 'kernel' : 'host factory';
  const bus = origin.factory === 'createKernel' ? 'kernel' : 'hf';

  const middleware = [...(options.middleware ?? [])];
  if (options.validation !== false && !middleware.some(isValidationMiddleware)) middleware.push(validation());

  const fix = (kind: 'command' | 'query', name: string) => missingHandlerFix(origin.factory, bus, kind, name);
  const instrumentation = options.instrumentation;
  const scoped = options.dispatchContext ?? instrumentation !== undefined;
  const commandCore = new MessageBusCore('command', container, middleware, fix, instrumentation, scoped);
  const queryCore = new MessageBusCore('query', container, middleware, fix, instrumentation, scoped);
  const events = new EventBus(container, logger, options.onEventError, instrumentation, scoped);
  const problems: KernelProblem[] = [];
  const handlerClasses = new Set<Constructor>();

  const registrations = [...(origin.builtIn ?? []), ...(options.handlers ?? [])].map((h) => registrationOf(h) ?? notDecorated(h, origin.factory));
  const claimed = new Map<Constructor, Constructor>();
  for (const registration of registrations) {
    const handler = registration.handler;
    if (handlerClasses.has(handler)) continue;
    handlerClasses.add(handler);
    // Each kernel builds its own instance of each handler class, in its own container.
    if (!container.has(handler)) container.set({ id: handler, factory: (c: ContainerInstance) => construct(handler, c, where) });
    if (registration.kind === 'event') {
      for (const type of registration.eventTypes ?? []) events.register(type, handler as never);
      continue;
    }
    const message = registration.message as Constructor;
    const core = registration.kind === 'command' ? commandCore : queryCore;
    const existing = claimed.get(message);
    if (existing === undefined) {
      claimed.set(message, handler);
      core.route(message, handler);
    } else if (existing !== handler) {
      const conflict = new DuplicateHandlerError(message.name, existing.name, handler.name);
      problems.push({ code: 'DUPLICATE_HANDLER', handler: handler.name, message: conflict.message });
      core.route(message, existing, conflict);
    }
  }

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
    verify() {
      const found = [...problems];
      for (const handler of handlerClasses) found.push(...dependencyProblems(handler, container, where));
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
function missingHandlerFix(factory: KernelOrigin['factory'], bus: string, kind: 'command' | 'query', name: string): string {
  return `List its @${kind}Handler class in ${factory}({ handlers: [...] }), or register one with ${bus}.${kind === 'command' ? 'commands' : 'queries'}.register(${name}, handler).`;
}

function notDecorated(handler: Constructor, factory: KernelOrigin['factory']): HandlerRegistration {
  throw new KernelVerificationError([
    {
      code: 'UNRESOLVED_DEPENDENCY',
      handler: handler.name,
      message: `${handler.name} is listed in ${factory}({ handlers }) but has no @commandHandler, @queryHandler or @eventHandler decorator.`,
    },
  ]);
}

function dependencyProblems(handler: Constructor, container: ContainerInstance, where: string): KernelProblem[] {
  const analysis = parametersOf(handler);
  const problems: KernelProblem[] = [];
  for (const param of analysis.params) {
    const message = parameterProblem(handler, param, analysis, container, where);
    if (message === undefined) continue;
    problems.push({ code: 'UNRESOLVED_DEPENDENCY', handler: handler.name, parameter: param.index, token: tokenName(param.token), message });
  }
  return problems;
}
