import { Token, type ContainerInstance } from 'typedi';
import { KernelError, type KernelProblem } from './errors';
import { construct, parametersOf, resolveToken, tokenName } from './injection';
import type { Logger } from './logger';
import type { Constructor, InjectionToken } from './registry';

/** What a scoped service is created from: the top-level dispatch (or publish) that owns the scope. */
export interface ScopedServiceContext {
  /** What started the scope: a command, a query, or an `events.publish` made outside any dispatch. */
  readonly kind: 'command' | 'query' | 'event';
  /** The top-level message (or the published events). */
  readonly message: unknown;
  /** Id of the top-level dispatch (`ExecuteOptions.messageId`, else made on first read). */
  readonly messageId: string | undefined;
  readonly correlationId: string | undefined;
  readonly causationId: string | undefined;
  /** The caller's own values, passed with `execute(message, { metadata })`: a user, a tenant, a request id. */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** The kernel's container. */
  readonly container: ContainerInstance;
  /** Another scoped service of this scope, or anything the kernel's container resolves. */
  get<T>(token: Token<T> | Constructor<T> | string): Promise<T>;
}

/** How a scope ended, given to a scoped service's `dispose`. */
export interface ScopeOutcome {
  /** True when the top-level handler (or a middleware) failed. */
  readonly failed: boolean;
  /** The failure, when `failed`. */
  readonly error?: unknown;
}

/**
 * A service built once per top-level dispatch, shared by the handler and every nested command,
 * query and event handler of that dispatch, and disposed when it ends (after the handler's result or
 * failure, before `execute` settles). Handlers receive it like any dependency: by its token in
 * `{ inject }`, with `@Inject(token)` or by its class as an emitted parameter type.
 */
export interface ScopedService<T = unknown> {
  /** What handlers ask for. A token bound in the kernel's container too is a `verify()` problem. */
  readonly token: Token<T> | Constructor<T> | string;
  /** Builds the value for one scope, on first use in that scope (a dispatch that never asks pays nothing). */
  create(context: ScopedServiceContext): T | Promise<T>;
  /**
   * Releases the value when the scope ends, in reverse creation order. Default: the value's own
   * `[Symbol.asyncDispose]()`, else `[Symbol.dispose]()`, else `dispose()`, if it has one.
   */
  dispose?(value: T, outcome: ScopeOutcome): void | Promise<void>;
}

/** Declares a {@link ScopedService}; the same object written with the token's type checked against `create`. */
export function scoped<T>(
  token: Token<T> | Constructor<T> | string,
  create: (context: ScopedServiceContext) => T | Promise<T>,
  dispose?: (value: T, outcome: ScopeOutcome) => void | Promise<void>,
): ScopedService<T> {
  return dispose === undefined ? { token, create } : { token, create, dispose };
}

/** The scoped services a kernel declares, checked once. Internal. */
export class ScopedServices {
  private readonly byToken = new Map<unknown, ScopedService>();

  constructor(
    readonly declared: readonly ScopedService[],
    readonly container: ContainerInstance,
    readonly logger: Logger,
  ) {
    for (const service of declared) if (service !== null && typeof service === 'object' && !this.byToken.has(service.token)) this.byToken.set(service.token, service);
  }

  has(token: unknown): boolean {
    return this.byToken.has(token);
  }

  service(token: unknown): ScopedService | undefined {
    return this.byToken.get(token);
  }

  /** What `verify()` says about the declarations themselves. */
  problems(): KernelProblem[] {
    const problems: KernelProblem[] = [];
    const seen = new Set<unknown>();
    this.declared.forEach((service, index) => {
      const at = `scoped service #${index}`;
      const problem = (message: string) => problems.push({ code: 'INVALID_SCOPED_SERVICE', handler: at, message });
      if (service === null || typeof service !== 'object') return void problem(`${at} is not a { token, create } object.`);
      const token = service.token;
      const valid = typeof token === 'string' || typeof token === 'function' || token instanceof Token;
      if (!valid) problem(`${at} has no token: give it a typedi Token, a string id or a class.`);
      else if (seen.has(token)) problem(`${at} (${tokenName(token)}) is declared twice; declare each scoped token once.`);
      else if (this.container.has(token as never)) {
        problem(`${at} (${tokenName(token)}) is also bound in the kernel's container, so a handler could not tell which one it gets; remove the binding or use another token.`);
      }
      seen.add(token);
      if (typeof service.create !== 'function') problem(`${at} (${valid ? tokenName(token) : '?'}) has no create(context) function.`);
      if (service.dispose !== undefined && typeof service.dispose !== 'function') problem(`${at} (${valid ? tokenName(token) : '?'}) has a dispose that is not a function.`);
    });
    return problems;
  }
}

interface Created {
  readonly service: ScopedService;
  readonly value: unknown;
}

/**
 * The scoped services of one top-level dispatch: created on first use, shared by everything nested in
 * it, disposed by {@link ServiceScope.end}. Internal.
 */
export class ServiceScope implements ScopedServiceContext {
  private readonly values = new Map<unknown, Promise<unknown>>();
  /** Values whose `create` returned synchronously: read without an await on the hot path. */
  readonly ready = new Map<unknown, unknown>();
  private readonly created: Created[] = [];
  private ended = false;

  constructor(
    readonly services: ScopedServices,
    private readonly origin: Omit<ScopedServiceContext, 'container' | 'get'>,
  ) {}

  get kind() { return this.origin.kind; }
  get message() { return this.origin.message; }
  get messageId() { return this.origin.messageId; }
  get correlationId() { return this.origin.correlationId; }
  get causationId() { return this.origin.causationId; }
  get metadata() { return this.origin.metadata; }
  get container() { return this.services.container; }

  /** True once {@link end} ran: nested work started later opens a scope of its own. */
  get isEnded(): boolean {
    return this.ended;
  }

  get<T>(token: Token<T> | Constructor<T> | string): Promise<T> {
    const service = this.services.service(token);
    if (service === undefined) {
      try {
        return Promise.resolve(resolveToken(this.services.container, token as InjectionToken) as T);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (this.ended) {
      return Promise.reject(
        new KernelError('SCOPE_ENDED', `${tokenName(token as InjectionToken)} was asked for after the dispatch that owns its scope ended. Await nested work inside the handler, or dispatch it on its own.`, {
          details: { token: tokenName(token as InjectionToken) },
        }),
      );
    }
    let value = this.values.get(token);
    if (value === undefined) {
      value = this.create(service);
      this.values.set(token, value);
    }
    return value as Promise<T>;
  }

  private create(service: ScopedService): Promise<unknown> {
    let value: unknown;
    try {
      value = service.create(this);
    } catch (error) {
      return Promise.reject(creationFailed(service, error));
    }
    if (!isThenable(value)) {
      this.created.push({ service, value });
      this.ready.set(service.token, value);
      return Promise.resolve(value);
    }
    return Promise.resolve(value).then(
      (created) => {
        this.created.push({ service, value: created });
        this.ready.set(service.token, created);
        return created;
      },
      (error: unknown) => {
        throw creationFailed(service, error);
      },
    );
  }

  /**
   * Disposes every created service, last created first, each even when another fails. Resolves to
   * the disposal failures (the caller decides whether they fail the dispatch). Values still being
   * created when the scope ends are disposed once they exist.
   */
  end(outcome: ScopeOutcome): unknown[] | Promise<unknown[]> {
    this.ended = true;
    // A creation still in flight (a nested call the handler did not await) is waited for and disposed.
    if (this.values.size > this.created.length) return Promise.allSettled(this.values.values()).then(() => this.disposeAll(outcome));
    return this.disposeAll(outcome);
  }

  /** Last created first; synchronous while no disposal returns a promise. */
  private disposeAll(outcome: ScopeOutcome, from = this.created.length - 1, failures: unknown[] = []): unknown[] | Promise<unknown[]> {
    for (let i = from; i >= 0; i--) {
      const { service, value } = this.created[i]!;
      let pending: unknown;
      try {
        pending = disposeValue(service, value, outcome);
      } catch (error) {
        this.disposeFailed(service, error, failures);
        continue;
      }
      if (isThenable(pending)) {
        return Promise.resolve(pending).then(
          () => this.disposeAll(outcome, i - 1, failures),
          (error: unknown) => (this.disposeFailed(service, error, failures), this.disposeAll(outcome, i - 1, failures)),
        );
      }
    }
    return failures.length === 0 ? NO_FAILURES : failures;
  }

  private disposeFailed(service: ScopedService, error: unknown, failures: unknown[]): void {
    failures.push(error);
    this.services.logger.error(`disposing the scoped service ${tokenName(service.token as InjectionToken)} failed`, {
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

const NO_FAILURES: unknown[] = [];
const asyncDispose: symbol | undefined = (Symbol as { asyncDispose?: symbol }).asyncDispose;
const syncDispose: symbol | undefined = (Symbol as { dispose?: symbol }).dispose;

/** Disposes one value; returns what its dispose returned (a promise when it is asynchronous). */
function disposeValue(service: ScopedService, value: unknown, outcome: ScopeOutcome): unknown {
  if (service.dispose !== undefined) return service.dispose(value, outcome);
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return undefined;
  const v = value as Record<PropertyKey, unknown>;
  for (const key of [asyncDispose, syncDispose, 'dispose']) {
    if (key !== undefined && typeof v[key] === 'function') return (v[key] as () => unknown).call(value);
  }
  return undefined;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}

function creationFailed(service: ScopedService, error: unknown): KernelError {
  return new KernelError('UNRESOLVED_DEPENDENCY', `The scoped service ${tokenName(service.token as InjectionToken)} could not be created: ${error instanceof Error ? error.message : String(error)}`, {
    details: { token: tokenName(service.token as InjectionToken) },
    cause: error,
  });
}

/**
 * How to build `handler` in a scope, or undefined when it needs no scoped service (it is then built
 * once per kernel). Read once per route: the analysis reads metadata, too slow for every dispatch. Internal.
 */
export function scopedBuild<T>(handler: Constructor<T>, services: ScopedServices, where: string): ((scope: ServiceScope) => T | Promise<T>) | undefined {
  const analysis = parametersOf(handler);
  const scopedParams = analysis.params.filter((param) => param.token !== undefined && services.has(param.token));
  if (scopedParams.length === 0) return undefined;
  // Synchronous when every scoped value already exists or is created synchronously (no await, which costs the
  // most per dispatch once promise hooks are on); a promise otherwise. Once the scope ended, get() refuses even a created (disposed) value.
  const build = (scope: ServiceScope, overrides: Map<number, unknown>, from: number): T | Promise<T> => {
    for (let i = from; i < scopedParams.length; i++) {
      const param = scopedParams[i]!;
      const token = param.token as Token<unknown>;
      if (!scope.ready.has(token) || scope.isEnded) {
        const pending = scope.get(token);
        if (!scope.ready.has(token) || scope.isEnded) return pending.then((value) => (overrides.set(param.index, value), build(scope, overrides, i + 1)));
      }
      overrides.set(param.index, scope.ready.get(token));
    }
    return construct(handler, scope.services.container, where, overrides, analysis);
  };
  return (scope) => build(scope, new Map(), 0);
}

/**
 * A class built once per kernel (bound nowhere, so the kernel or typedi builds it) that needs a
 * scoped service would keep the first dispatch's value for ever: `verify()` reports it. Internal.
 */
export function scopeLeak(token: InjectionToken | undefined, services: ScopedServices, container: ContainerInstance): string | undefined {
  if (typeof token !== 'function' || services.has(token) || container.has(token as never)) return undefined;
  const scopedParam = parametersOf(token as Constructor).params.find((p) => p.token !== undefined && services.has(p.token));
  if (scopedParam === undefined) return undefined;
  return `${tokenName(token)} is built once per kernel but its constructor parameter #${scopedParam.index} needs the scoped service ${tokenName(scopedParam.token)}, which changes with every dispatch; declare ${tokenName(token)} as a scoped service too, or inject ${tokenName(scopedParam.token)} into the handler.`;
}
