import type { ContainerInstance } from 'typedi';
import { randomIds, systemClock, type Clock, type IdGenerator } from '../domain/shared/ports';
import { buildKernel, type KernelOrigin } from '../kernel/kernel';
import {
  KernelError,
  retry,
  silentLogger,
  type CommandBus,
  type Constructor,
  type EventBus,
  type EventDelivery,
  type ScopedService,
  type EventErrorListener,
  type Instrumentation,
  type Logger,
  type Middleware,
  type QueryBus,
} from '../kernel';
import { HOST_FACTORY_HANDLERS } from './handlers';
import type { ImageResolver } from './provider/image-resolver';
import type { ProviderPort } from './provider/provider.port';
import { Projector, type ProjectionLag } from './read-models/projector';
import { createHostProcessors, type HostProcessors, type HostProcessorSettings } from './processors/host-processors';
import { createReconciler, type Reconciler } from './reconcile/reconciler';
import { DEFAULT_PROJECTIONS, type Projection } from './read-models/projections';
import { RUNTIME, type Runtime } from './runtime';
import { GetReturnRequests } from './requests/request.queries';
import { collectReturnRequests, reportRequestStatus, type RequestStatusReport, type ReturnRequestsOptions, type ReturnRequestsReport } from './requests/status-reports';
import type { Storage } from '../storage/storage';
import { DEFAULT_HOST_FACTORY_LIMITS, type HostFactoryLimits } from './tokens';

/** Options of {@link createHostFactory}: the two required ports and optional overrides. */
export interface HostFactoryOptions {
  /** The storage adapter bundle (required). */
  storage: Storage;
  /** The cloud adapter (required). */
  provider: ProviderPort;
  /**
   * Resolves a template's indirect `imageId` (an SSM parameter path, an alias) at request time,
   * before the provider is called; a failure fails the request with `IMAGE_UNRESOLVED` and launches
   * nothing. Default: none (images are passed to the provider as written). See docs/templates.md.
   */
  images?: ImageResolver;
  /** Default: the system clock. */
  clock?: Clock;
  /** Default: random UUID v4. */
  ids?: IdGenerator;
  /** Default: silent. */
  logger?: Logger;
  limits?: HostFactoryLimits;
  /** Default: a fresh typedi container, reset by `dispose()`. */
  container?: ContainerInstance;
  /** Host middleware, outermost first; the library adds its retry and validation inside them. */
  middleware?: readonly Middleware[];
  /**
   * The host's own decorated handler classes (commands, queries, event handlers), routed next to the
   * use cases (default: none of the host's). `'decorated'` routes every handler class decorated in the
   * process before the factory is created, as `createKernel()` does. A host class claiming a command
   * or query a use case (or another host class) handles throws `DUPLICATE_HANDLER`.
   */
  handlers?: readonly Constructor[] | 'decorated';
  /** Extra projections fed from the event log next to the library's own. */
  projections?: readonly Projection[];
  /** Retries of a command that hit `CONCURRENCY_CONFLICT`. Default 3. */
  conflictRetries?: number;
  /** Bring the read models up to date before each query (one event-log head read when current). Default true. */
  catchUpBeforeQueries?: boolean;
  onEventError?: EventErrorListener;
  /**
   * Services built once per top-level dispatch (the caller's user or tenant from `execute(…, {
   * metadata })`, a transaction, a logger carrying the correlation id), shared by nested dispatches
   * and disposed when it ends; as `createKernel({ scoped })`. Default: none.
   */
  scoped?: readonly ScopedService[];
  /** How committed events reach the host's event handlers; as `createKernel({ eventDelivery })`. Default `'sequential'`. */
  eventDelivery?: EventDelivery;
  /**
   * Traces and measures commands, queries, event handlers, projection batches and provider calls,
   * and stores the trace with each committed event: `instrumentation: openTelemetry()` from
   * `hostfactory-kernel/otel`. Default: none.
   */
  instrumentation?: Instrumentation;
  /** Lease, poll and owner settings of the processors that run durable event handlers (docs/processors.md). */
  processors?: HostProcessorSettings;
}

/** A wired host factory: typed buses over the use cases, and its read-model controls. */
export interface HostFactory {
  readonly commands: CommandBus;
  readonly queries: QueryBus;
  /** Committed domain events are published here (after the projections) for the host's handlers. */
  readonly events: EventBus;
  readonly container: ContainerInstance;
  /**
   * Checks the wiring of every command, query and event handler, the host's included, and throws one
   * `KernelVerificationError` (`KERNEL_MISCONFIGURED`) listing each duplicate handler and each
   * constructor parameter this container cannot resolve. Call it once the host's adapters are bound.
   */
  verify(): void;
  /** Resolves once every committed event has reached every projection and the event bus. */
  catchUp(): Promise<void>;
  /** Clears the read models and rebuilds them from the whole event log. */
  rebuildReadModels(): Promise<void>;
  /** Each projection's position and last error. */
  projectionStatus(): ProjectionLag[];
  /** Runs `Reconcile` on an interval for a long-running host (`start({ everyMs })`, `stop()`); `dispose()` stops it. */
  readonly reconciler: Reconciler;
  /**
   * The status of each request, in order, fresh from the provider (the use case behind Symphony's
   * getRequestStatus, for any front end): `status: null` for an unknown id; when the provider cannot
   * be asked, the stored status with `staleReason`. Never throws for one request's sync failure;
   * `VALIDATION_FAILED` (before any work) for an id that is not storable text.
   */
  requestStatus(requestIds: readonly string[]): Promise<RequestStatusReport[]>;
  /**
   * The machines the cloud wants back (the use case behind Symphony's getReturnRequests, for any
   * front end): fetches new reclaim notices and refreshes `machines` (the hosts the caller
   * holds), runs one bounded Reconcile (unless `reconcile: false`), then lists them.
   * `VALIDATION_FAILED` (before any work) for a bad machine reference; a failed Reconcile (bad options included) is logged, never thrown.
   */
  returnRequests(machines?: readonly { readonly name?: string; readonly machineId?: string }[], options?: Pick<ReturnRequestsOptions, 'reconcile'>): Promise<ReturnRequestsReport>;
  /**
   * The checkpointed processors of the durable event handlers (`@eventHandler(…, { durable })`).
   * They run only after `processors.start()` (on each replica that should take part); `dispose()` stops them.
   */
  readonly processors: HostProcessors;
  dispose(): void;
}

/** Longest `limits.releaseWindowMs` accepted (seven days). */
const MAX_RELEASE_WINDOW_MS = 7 * 86_400_000;

/**
 * Wires the host-factory use cases on a host's storage and provider adapters, in a kernel of their
 * own. Throws `INVALID_CONFIGURATION` naming the port when a required one is missing or incomplete.
 */
export function createHostFactory(options: HostFactoryOptions): HostFactory {
  return wireHostFactory(options, 'createHostFactory');
}

/** {@link createHostFactory}, naming `factory` in the errors a host sees. Internal: the test kit uses it. */
export function wireHostFactory(options: HostFactoryOptions, factory: KernelOrigin['factory']): HostFactory {
  checkPorts(options);
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? randomIds;
  const limits = { ...DEFAULT_HOST_FACTORY_LIMITS, ...options.limits };

  const middleware: Middleware[] = [
    readYourWrites(logger, options.catchUpBeforeQueries !== false),
    ...(options.middleware ?? []),
    retry({ attempts: options.conflictRetries ?? 3 }),
  ];
  const kernel = buildKernel(
    {
      ...(options.container === undefined ? {} : { container: options.container }),
      ...(options.handlers === undefined ? {} : { handlers: options.handlers }),
      middleware,
      logger,
      // Events carry the correlation and causation of the work that recorded them: always scoped.
      dispatchContext: true,
      ...(options.onEventError === undefined ? {} : { onEventError: options.onEventError }),
      ...(options.eventDelivery === undefined ? {} : { eventDelivery: options.eventDelivery }),
      ...(options.scoped === undefined ? {} : { scoped: options.scoped }),
      ...(options.instrumentation === undefined ? {} : { instrumentation: options.instrumentation }),
    },
    { factory, builtIn: HOST_FACTORY_HANDLERS },
  );
  const instrumentation = options.instrumentation;
  const projector = new Projector(options.storage, [...DEFAULT_PROJECTIONS, ...(options.projections ?? [])], kernel.events, logger, instrumentation);
  const unwatch = instrumentation?.watchProjections?.(() => projector.lag());

  const runtime: Runtime = { storage: options.storage, provider: options.provider, ...(options.images === undefined ? {} : { images: options.images }), clock, ids, limits, logger, projector, instrumentation };
  const { container } = kernel;
  container.set(RUNTIME, runtime);

  const reconciler = createReconciler(kernel.commands, logger);
  const buses = { commands: kernel.commands, queries: kernel.queries };
  let processors: HostProcessors;
  try {
    processors = createHostProcessors(kernel.durable, options.storage, container, options.processors ?? {}, logger);
  } catch (error) {
    kernel.dispose();
    throw error;
  }
  return {
    reconciler,
    processors,
    requestStatus: (requestIds) => reportRequestStatus(buses, requestIds, logger),
    returnRequests: (machines = [], use = {}) => collectReturnRequests(buses, GetReturnRequests.from({ machines: machines.map((m) => ({ ...m })) }), { ...use, logger }),
    commands: kernel.commands,
    queries: kernel.queries,
    events: kernel.events,
    container,
    verify: () => kernel.verify(),
    catchUp: () => projector.catchUp(),
    rebuildReadModels: () => projector.rebuild(),
    projectionStatus: () => projector.status(),
    dispose: () => {
      void reconciler.stop();
      void processors.stop();
      unwatch?.();
      kernel.dispose();
    },
  };
}

/**
 * The outermost middleware: keeps the read models in step with the commands. It finds the projector
 * in the dispatch's container (bound with the runtime), so the kernel can be built before it.
 */
function readYourWrites(logger: Logger, catchUpBeforeQueries: boolean): Middleware {
  return (context, next) => {
    const { projector } = context.container.get(RUNTIME);
    return context.kind === 'command' ? afterCommand(projector, logger, next) : beforeQuery(projector, catchUpBeforeQueries, next);
  };
}

/** Commands: make sure event delivery starts before the first commit, then catch up (read-your-writes). */
async function afterCommand(projector: Projector, logger: Logger, next: () => Promise<unknown>): Promise<unknown> {
  await projector.start();
  try {
    return await next();
  } finally {
    // A projection failure is logged by the projector and retried later; it never fails the command.
    await projector.catchUp().catch((error: unknown) => logger.error('catching up the read models failed', { error: String(error) }));
  }
}

/** Queries: bring the read models up to date first (one event-log head read when they are), unless the host opted out. */
async function beforeQuery(projector: Projector, catchUp: boolean, next: () => Promise<unknown>): Promise<unknown> {
  if (catchUp) {
    await projector.start();
    await projector.catchUpIfBehind();
  }
  return next();
}

function checkPorts(options: HostFactoryOptions): void {
  const missing: string[] = [];
  const need = (path: string, value: unknown, methods: readonly string[]) => {
    if (typeof value !== 'object' || value === null) return void missing.push(path);
    for (const method of methods) {
      if (typeof (value as Record<string, unknown>)[method] !== 'function') missing.push(`${path}.${method}()`);
    }
  };
  if (typeof options !== 'object' || options === null) missing.push('options');
  else {
    need('storage', options.storage, []);
    if (typeof options.storage === 'object' && options.storage !== null) {
      need('storage.unitOfWork', options.storage.unitOfWork, ['transaction']);
      need('storage.eventLog', options.storage.eventLog, ['readAfter', 'head']);
      need('storage.readModels', options.storage.readModels, ['get', 'getMany', 'put', 'delete', 'query']);
    }
    need('provider', options.provider, ['provision', 'describe', 'terminate', 'reclaimNotices']);
    const cancel = (options.provider as Partial<ProviderPort> | undefined)?.cancelProvision;
    if (cancel !== undefined && typeof cancel !== 'function') missing.push('provider.cancelProvision() (optional, but then a function)');
    const checkTemplate = (options.provider as Partial<ProviderPort> | undefined)?.checkTemplate;
    if (checkTemplate !== undefined && typeof checkTemplate !== 'function') missing.push('provider.checkTemplate() (optional, but then a function)');
    const window = options.limits?.releaseWindowMs;
    if (window !== undefined && !(Number.isInteger(window) && window >= 0 && window <= MAX_RELEASE_WINDOW_MS)) {
      missing.push(`limits.releaseWindowMs (an integer of milliseconds from 0 to ${MAX_RELEASE_WINDOW_MS}, got ${String(window)})`);
    }
    if (options.clock !== undefined) need('clock', options.clock, ['now']);
    if (options.ids !== undefined) need('ids', options.ids, ['uuid']);
  }
  if (missing.length > 0) {
    throw new KernelError(
      'INVALID_CONFIGURATION',
      `createHostFactory() is missing required ports or has invalid settings: ${missing.join(', ')}. Pass a storage adapter ({ unitOfWork, eventLog, readModels }) and a provider adapter implementing ProviderPort.`,
      { details: { missing } },
    );
  }
}
