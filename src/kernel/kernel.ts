import { randomUUID } from 'node:crypto';
import { Container, Token, type ContainerInstance } from 'typedi';
import { CommandBus, QueryBus } from './buses';
import { DuplicateHandlerError, KernelVerificationError, type KernelProblem } from './errors';
import { EventBus, type EventErrorListener } from './event-bus';
import { silentLogger, type Logger } from './logger';
import { MessageBusCore } from './message-bus';
import { isValidationMiddleware, validation, type Middleware } from './middleware';
import {
  decoratedHandlers,
  parameterTokens,
  registrationOf,
  tokenName,
  type Constructor,
  type HandlerRegistration,
  type InjectionToken,
} from './registry';

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
  /** The handler classes of this kernel. Default: every decorated handler known at creation. */
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
}

/** A kernel: its buses and container, isolated from every other kernel in the process. */
export interface Kernel {
  readonly commands: CommandBus;
  readonly queries: QueryBus;
  readonly events: EventBus;
  readonly container: ContainerInstance;
  /**
   * Checks the wiring and throws one `KernelVerificationError` (`KERNEL_MISCONFIGURED`) listing every
   * problem: duplicate handlers and constructor parameters that this container cannot resolve.
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
  const ownsContainer = options.container === undefined;
  const container = options.container ?? Container.of(`hostfactory-kernel:${++kernelCount}:${randomUUID()}`);
  const logger = options.logger ?? silentLogger;
  if (!container.has(LOGGER)) container.set(LOGGER, logger);

  const middleware = [...(options.middleware ?? [])];
  if (options.validation !== false && !middleware.some(isValidationMiddleware)) middleware.push(validation());

  const commandCore = new MessageBusCore('command', container, middleware);
  const queryCore = new MessageBusCore('query', container, middleware);
  const events = new EventBus(container, logger, options.onEventError);
  const problems: KernelProblem[] = [];
  const handlerClasses: Constructor[] = [];

  const registrations = options.handlers
    ? options.handlers.map((h) => registrationOf(h) ?? notDecorated(h))
    : decoratedHandlers();
  const claimed = new Map<Constructor, Constructor>();
  for (const registration of registrations) {
    handlerClasses.push(registration.handler);
    if (registration.kind === 'event') {
      for (const type of registration.eventTypes ?? []) events.register(type, registration.handler as never);
      continue;
    }
    const message = registration.message as Constructor;
    const core = registration.kind === 'command' ? commandCore : queryCore;
    const existing = claimed.get(message);
    if (existing === undefined) {
      claimed.set(message, registration.handler);
      core.route(message, registration.handler);
    } else if (existing !== registration.handler) {
      const conflict = new DuplicateHandlerError(message.name, existing.name, registration.handler.name);
      problems.push({ code: 'DUPLICATE_HANDLER', handler: registration.handler.name, message: conflict.message });
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
      for (const handler of handlerClasses) found.push(...dependencyProblems(handler, container));
      if (found.length > 0) throw new KernelVerificationError(found);
    },
    dispose() {
      commandCore.dispose();
      queryCore.dispose();
      if (ownsContainer) Container.reset(container.id as string);
    },
  };
}

function notDecorated(handler: Constructor): HandlerRegistration {
  throw new KernelVerificationError([
    {
      code: 'UNRESOLVED_DEPENDENCY',
      handler: handler.name,
      message: `${handler.name} is listed in createKernel({ handlers }) but has no @commandHandler, @queryHandler or @eventHandler decorator.`,
    },
  ]);
}

function dependencyProblems(handler: Constructor, container: ContainerInstance): KernelProblem[] {
  const problems: KernelProblem[] = [];
  for (const param of parameterTokens(handler)) {
    if (param.resolve !== undefined && param.token !== undefined && canResolve(container, param.token)) continue;
    if (param.resolve !== undefined && param.token === undefined) continue; // typedi lazy type we cannot inspect
    const token = tokenName(param.token);
    problems.push({
      code: 'UNRESOLVED_DEPENDENCY',
      handler: handler.name,
      parameter: param.index,
      token,
      message:
        param.resolve === undefined
          ? `${handler.name}: constructor parameter #${param.index} has no injection token; add @Inject(TOKEN) or the decorator's { inject } option.`
          : `${handler.name}: constructor parameter #${param.index} needs ${token}, which is not bound in this kernel's container; bind it with kernel.container.set(${token}, value).`,
    });
  }
  return problems;
}

interface ServiceRecord {
  type: unknown;
  factory: unknown;
  global: boolean;
}

function canResolve(container: ContainerInstance, token: InjectionToken): boolean {
  if (container.has(token as never)) return true;
  const global = (Container.of(undefined) as unknown as { findService(id: unknown): ServiceRecord | undefined }).findService(token);
  return global !== undefined && (global.global || Boolean(global.type) || Boolean(global.factory));
}
