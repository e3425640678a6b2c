import type { ContainerInstance } from 'typedi';
import { HandlerNotFoundError, KernelError } from './errors';
import type { DispatchContext, ExecuteOptions } from './handler';
import { compose, type Middleware } from './middleware';
import { instantiate } from './injection';
import type { Instrumentation } from './instrumentation';
import { currentScope, runInScope, type CausationScope } from './scope';
import type { Constructor } from './registry';
import { scopedBuild, ServiceScope, type ScopedServices } from './scoped-services';
import { randomUuid } from './node-crypto';

interface Handles {
  handle(message: unknown, context: DispatchContext): unknown;
}

const NO_METADATA: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * Runs one dispatch as a unit of its instrumentation's work. Two arguments, the rest read from the
 * dispatch: each argument `runInScope` passes on is copied twice (its rest parameter, then the store's).
 */
function traced(dispatch: Dispatch, route: { run(dispatch: Dispatch): Promise<unknown> }): Promise<unknown> {
  return dispatch.instrumentation!.wrap({ kind: dispatch.kind, context: dispatch }, () => route.run(dispatch));
}

/**
 * One dispatch's context, and the scope of the work it does. A class, so every dispatch shares one
 * hidden class (fast property access).
 */
class Dispatch implements DispatchContext, CausationScope {
  /**
   * Reading the clock costs ~40-70 ns, more than the rest of a dispatch, so it is read on first
   * access: `logging()` reads it as it starts, and a pipeline nobody times never pays for it.
   * The same goes for a random message id (~50 ns), made when something first reads it.
   */
  private started = -1;
  private id: string | undefined;
  private correlation: string | undefined;
  readonly causationId: string | undefined;
  readonly metadata: Readonly<Record<string, unknown>>;
  signal: AbortSignal | undefined;
  constructor(
    readonly kind: 'command' | 'query',
    readonly message: unknown,
    readonly messageName: string,
    readonly container: ContainerInstance,
    options: ExecuteOptions | undefined,
    parent: CausationScope | undefined,
    readonly instrumentation: Instrumentation | undefined,
  ) {
    // The common dispatch has no options and no parent scope: it pays for none of the lookups below.
    if (options === undefined) {
      this.metadata = NO_METADATA;
      this.signal = undefined;
      this.id = undefined;
      this.correlation = parent?.correlationId;
      this.causationId = parent?.messageId;
      return;
    }
    this.metadata = options.metadata ?? NO_METADATA;
    this.signal = options.signal;
    const commandId = this.metadata.commandId;
    this.id = options.messageId ?? (typeof commandId === 'string' ? commandId : undefined);
    this.correlation = options.correlationId ?? parent?.correlationId;
    this.causationId = options.causationId ?? parent?.messageId;
  }

  get messageId(): string {
    return (this.id ??= randomUuid());
  }

  get correlationId(): string {
    return (this.correlation ??= this.messageId);
  }

  get startedAt(): number {
    if (this.started < 0) this.started = performance.now();
    return this.started;
  }
}

/**
 * A dispatch in a kernel that declares scoped services: it carries the scope, so that nested work
 * finds it. A class of its own, so a kernel without scoped services keeps the smaller {@link Dispatch}.
 */
class ScopedDispatch extends Dispatch {
  services: ServiceScope | undefined = undefined;
}

/** Where one message class goes: its handler (resolved on first use) and its composed pipeline. */
class Route {
  private instance: Handles | undefined;
  readonly run: (context: DispatchContext) => Promise<unknown>;

  constructor(
    readonly messageName: string,
    private readonly source: Constructor | Handles,
    container: ContainerInstance,
    middleware: readonly Middleware[],
    services?: ScopedServices,
  ) {
    const build = (services !== undefined && typeof source === 'function' && scopedBuild(source, services, 'kernel')) || undefined;
    // A handler that needs a scoped service is built for each dispatch; the others keep the plain path.
    const perDispatch = (context: DispatchContext): Promise<unknown> => this.handleInScope(build!, context, (context as ScopedDispatch).services);
    const terminal = (context: DispatchContext): Promise<unknown> => {
      try {
        const handler = this.instance ?? this.resolve(container);
        const result = handler.handle(context.message, context);
        return result instanceof Promise ? result : Promise.resolve(result);
      } catch (error) {
        return Promise.reject(error);
      }
    };
    this.run = compose(middleware, build === undefined ? terminal : perDispatch);
  }

  /** Builds the handler for this dispatch's scope and runs it; never cached. Without an await when it can. */
  private handleInScope(build: (scope: ServiceScope) => unknown, context: DispatchContext, scope: ServiceScope | undefined): Promise<unknown> {
    try {
      if (scope === undefined) throw new KernelError('SCOPE_ENDED', `The handler of ${this.messageName} needs scoped services but runs outside a dispatch scope.`);
      const built = build(scope);
      if (built instanceof Promise) return built.then((handler) => this.handleWith(handler as Handles, context));
      return this.handleWith(built as Handles, context);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private handleWith(handler: Handles, context: DispatchContext): Promise<unknown> {
    if (typeof handler?.handle !== 'function') {
      throw new KernelError('INVALID_HANDLER', `The handler for ${this.messageName} has no handle() method.`, { details: { message: this.messageName } });
    }
    const result = handler.handle(context.message, context);
    return result instanceof Promise ? result : Promise.resolve(result);
  }

  private resolve(container: ContainerInstance): Handles {
    const source = this.source;
    const handler =
      typeof source === 'function'
        ? (instantiate(source, container) as Handles)
        : source;
    if (typeof handler?.handle !== 'function') {
      throw new KernelError('INVALID_HANDLER', `The handler for ${this.messageName} has no handle() method.`, {
        details: { message: this.messageName },
      });
    }
    this.instance = handler;
    return handler;
  }
}

/**
 * The dispatch mechanics shared by {@link CommandBus} and {@link QueryBus}: a `Map` from message
 * class to route, each route's pipeline composed once. Not exported from the package.
 */
export class MessageBusCore {
  private readonly routes = new Map<unknown, Route>();
  private disposed = false;

  constructor(
    readonly kind: 'command' | 'query',
    private readonly container: ContainerInstance,
    private readonly middleware: readonly Middleware[],
    /** What a `HANDLER_NOT_FOUND` tells the host to do, for the factory that built this kernel. */
    private readonly missingHandlerFix?: (kind: 'command' | 'query', messageName: string) => string,
    private readonly instrumentation?: Instrumentation,
    /** Whether dispatches enter their scope (`KernelOptions.dispatchContext`). */
    private readonly scoped = true,
    /** The kernel's scoped services, when it declares any (then `scoped` is true). */
    private readonly services?: ScopedServices,
  ) {}

  /** Adds or replaces the route of `messageClass`. */
  route(messageClass: Constructor, source: Constructor | Handles): void {
    this.routes.set(messageClass, new Route(messageClass.name, source, this.container, this.middleware, this.services));
  }

  /** Stops routing: every later dispatch rejects with `KERNEL_DISPOSED`. */
  dispose(): void {
    this.disposed = true;
    this.routes.clear();
  }

  execute(message: unknown, options: ExecuteOptions | undefined): Promise<unknown> {
    const type = message === null || message === undefined ? undefined : (message as object).constructor;
    const route = this.routes.get(type);
    if (route === undefined) {
      if (this.disposed) {
        return Promise.reject(
          new KernelError('KERNEL_DISPOSED', `This kernel was disposed; create a new kernel to dispatch ${this.kind === 'query' ? 'queries' : 'commands'}.`),
        );
      }
      const name = typeof type === 'function' && type.name ? type.name : String(message);
      return Promise.reject(new HandlerNotFoundError(this.kind, name, this.missingHandlerFix?.(this.kind, name)));
    }
    if (this.services !== undefined) return this.executeWithServices(this.services, route, message, options);
    const instrumentation = this.instrumentation;
    // An unscoped kernel neither reads nor enters the scope (reading it costs even when it is empty).
    const dispatch = new Dispatch(this.kind, message, route.messageName, this.container, options, this.scoped ? currentScope() : undefined, instrumentation);
    try {
      // Every dispatch runs in its own scope: what its handler starts inherits its ids (docs/kernel.md).
      if (instrumentation === undefined) return this.scoped ? runInScope(dispatch, route.run, dispatch) : route.run(dispatch);
      // A module-level function, not a local named closure: the build names every such closure with
      // Object.defineProperty at each call, which cost more than the rest of the dispatch.
      return this.scoped ? runInScope(dispatch, traced, dispatch, route) : traced(dispatch, route);
    } catch (error) {
      // A middleware that throws synchronously still yields a rejected promise, never a throw.
      return Promise.reject(error);
    }
  }

  /**
   * A dispatch in a kernel with scoped services (always in the dispatch context): a nested dispatch
   * shares the scope of its top-level dispatch, a top-level dispatch opens one and ends it when done.
   */
  private executeWithServices(services: ScopedServices, route: Route, message: unknown, options: ExecuteOptions | undefined): Promise<unknown> {
    const parent = currentScope();
    const instrumentation = this.instrumentation;
    const dispatch = new ScopedDispatch(this.kind, message, route.messageName, this.container, options, parent, instrumentation);
    const inherited = parent?.services;
    const top = inherited === undefined || inherited.services !== services || inherited.isEnded;
    dispatch.services = top ? new ServiceScope(services, dispatch) : inherited;
    let work: Promise<unknown>;
    try {
      work = instrumentation === undefined ? runInScope(dispatch, route.run, dispatch) : runInScope(dispatch, traced, dispatch, route);
    } catch (error) {
      work = Promise.reject(error);
    }
    return top ? withServiceScope(dispatch.services, work) : work;
  }
}

/**
 * Settles a top-level dispatch's scope once its work settles: every scoped service created is
 * disposed (also when the work failed, which then stays the error). A disposal failure after a
 * success rejects the dispatch with `SCOPE_DISPOSE_FAILED`: a service that commits on dispose must
 * not report success when the commit failed.
 */
function withServiceScope(scope: ServiceScope, work: Promise<unknown>): Promise<unknown> {
  return work.then(
    (result) => {
      const failures = scope.end({ failed: false });
      return Array.isArray(failures) ? afterDisposal(result, failures) : failures.then((f) => afterDisposal(result, f));
    },
    (error: unknown) => {
      const ended = scope.end({ failed: true, error });
      if (Array.isArray(ended)) throw error;
      return ended.then(() => Promise.reject(error));
    },
  );
}

function afterDisposal(result: unknown, failures: readonly unknown[]): unknown {
  if (failures.length === 0) return result;
  throw new KernelError('SCOPE_DISPOSE_FAILED', `The dispatch succeeded but ${failures.length} scoped service(s) failed to dispose: ${failures.map((f) => (f instanceof Error ? f.message : String(f))).join('; ')}`, {
    cause: failures[0],
  });
}
