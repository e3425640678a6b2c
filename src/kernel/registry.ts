import type { Token } from 'typedi';
import { KernelError } from './errors';

/** A class that can be constructed; handler classes and message classes are of this shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Constructor<T = unknown> = new (...args: any[]) => T;

/** Something typedi can resolve: a `Token`, a string id or a class. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type InjectionToken = Token<any> | string | Constructor;

/** Options of the handler decorators. */
export interface HandlerOptions {
  /**
   * The typedi tokens of the constructor's parameters, in order. Needed with standard (TC39)
   * decorators, which have no parameter decorators, and when the build tool drops decorator metadata;
   * with legacy decorators `@Inject(TOKEN)` and emitted parameter types work too.
   */
  inject?: readonly InjectionToken[];
}

/**
 * Settings of a durable event handler (`@eventHandler('T', { durable: { … } })`): it runs in a
 * checkpointed processor of a host factory instead of in-process (docs/processors.md). Every field
 * is optional; unset ones take the processor defaults.
 */
export interface DurableHandlerSettings {
  /** The processor's name (its checkpoint key, the same on every replica). Default: the class name. */
  readonly name?: string;
  /** Partitions by aggregate, each run by one replica at a time. Default 1. */
  readonly partitions?: number;
  /** Handler attempts before an event becomes a dead letter. Default 5. */
  readonly attempts?: number;
  /** First retry wait in ms, doubled each attempt up to `maxBackoffMs`. Defaults 100 and 5 000. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Events read per batch. Default 100. */
  readonly batchSize?: number;
}

/** Options of `@eventHandler`: those of every handler decorator, plus `durable`. */
export interface EventHandlerOptions extends HandlerOptions {
  /**
   * Deliver through a checkpointed processor (at least once, retried, dead-lettered, one replica at
   * a time) instead of in-process after each commit. `true` takes every default. Default false.
   */
  durable?: boolean | DurableHandlerSettings;
}

/** One thing a decorated class handles: a command, a query, or a list of event types. */
export interface HandlerRegistration {
  readonly kind: 'command' | 'query' | 'event';
  readonly handler: Constructor;
  /** The message class handled (commands and queries). */
  readonly message?: Constructor;
  /** The event types handled (event handlers). */
  readonly eventTypes?: readonly string[];
  readonly inject?: readonly InjectionToken[];
  /** Set for a durable event handler: its processor settings. */
  readonly durable?: DurableHandlerSettings;
}

/** The facts recorded about one decorated class. Facts only: no rule is applied when they are recorded. */
interface ClassRecord {
  readonly handler: Constructor;
  readonly claims: HandlerRegistration[];
  inject: readonly InjectionToken[] | undefined;
  /** Routed only by a kernel that lists the class (the library's own use cases). */
  explicitOnly: boolean;
}

interface Registry {
  /** Every decorated handler class, in decoration order. */
  readonly classes: Map<Constructor, ClassRecord>;
  /** Constructor parameter index → token, recorded by {@link Inject}, per class. */
  readonly parameters: Map<Constructor, Map<number, TokenReference>>;
}

/** A token, or a function returning one (for a class declared further down the file). */
export type TokenReference = InjectionToken | (() => InjectionToken);

// One registry per process, shared by the ESM and CJS copies of this package (v2: class → facts;
// v1, of 0.2, also kept a by-message map and is not read).
const REGISTRY_KEY = Symbol.for('hostfactory-kernel.registry.v2');

function registry(): Registry {
  const holder = globalThis as typeof globalThis & { [REGISTRY_KEY]?: Registry };
  return (holder[REGISTRY_KEY] ??= { classes: new Map(), parameters: new Map() });
}

/** What `handler` handles, or undefined for a class no handler decorator has seen. */
export function registrationsOf(handler: Constructor): readonly HandlerRegistration[] | undefined {
  return registry().classes.get(handler)?.claims;
}

/** The `{ inject }` tokens given to a handler class's decorator, if any. */
export function injectTokensOf(handler: Constructor): readonly InjectionToken[] | undefined {
  return registry().classes.get(handler)?.inject;
}

/**
 * Every class decorated so far in this process, in decoration order, except those a kernel routes
 * only when listed (the library's own use cases): what `createKernel()` without `handlers` routes.
 */
export function decoratedHandlers(): Constructor[] {
  const found: Constructor[] = [];
  for (const record of registry().classes.values()) if (!record.explicitOnly) found.push(record.handler);
  return found;
}

/** Keeps `handlers` out of {@link decoratedHandlers}: a kernel routes them only when it lists them. Internal. */
export function routeOnlyWhenListed(handlers: readonly Constructor[]): void {
  for (const handler of handlers) {
    const record = registry().classes.get(handler);
    if (record !== undefined) record.explicitOnly = true;
  }
}

/**
 * Records that `registration.handler` handles what the registration says, and nothing else: no
 * container is touched and no other class is compared (duplicates are judged by each kernel). The
 * same claim twice (a module evaluated twice) is recorded once. Throws `INVALID_HANDLER` only when
 * one class is given two different `{ inject }` lists, which no kernel could honour both of.
 */
export function annotate(registration: HandlerRegistration): void {
  const classes = registry().classes;
  const record = classes.get(registration.handler);
  if (record === undefined) {
    classes.set(registration.handler, { handler: registration.handler, claims: [registration], inject: registration.inject, explicitOnly: false });
    return;
  }
  if (registration.inject !== undefined) {
    if (record.inject !== undefined && !sameTokens(record.inject, registration.inject)) {
      throw new KernelError(
        'INVALID_HANDLER',
        `${registration.handler.name} is given two different { inject } lists by its decorators. Give the constructor's tokens once.`,
        { details: { handler: registration.handler.name } },
      );
    }
    record.inject = registration.inject;
  }
  if (!record.claims.some((claim) => sameClaim(claim, registration))) record.claims.push(registration);
}

function sameClaim(a: HandlerRegistration, b: HandlerRegistration): boolean {
  if (a.kind !== b.kind || a.message !== b.message) return false;
  return a.kind !== 'event' || (sameTokens(a.eventTypes ?? [], b.eventTypes ?? []) && (a.durable === undefined) === (b.durable === undefined));
}

function sameTokens(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((token, i) => token === b[i]);
}

/** The tokens {@link Inject} recorded for the constructor parameters of `target`, by index. */
export function injectedParametersOf(target: Constructor): ReadonlyMap<number, InjectionToken> | undefined {
  const recorded = registry().parameters.get(target);
  if (recorded === undefined) return undefined;
  const tokens = new Map<number, InjectionToken>();
  for (const [index, reference] of recorded) tokens.set(index, isLazy(reference) ? reference() : reference);
  return tokens;
}

// A class has a prototype; an arrow function returning a token has none.
function isLazy(reference: TokenReference): reference is () => InjectionToken {
  return typeof reference === 'function' && reference.prototype === undefined;
}

/**
 * Names the token a constructor parameter is injected from, for every class the kernel builds (its
 * handlers and the classes they depend on): `constructor(@Inject(PROVIDER) provider: ProviderPort)`.
 * Takes a typedi `Token`, a string id, a class, or `() => Class` for a class declared later. A legacy
 * (`experimentalDecorators`) parameter decorator; with standard decorators use `{ inject }`. Records
 * a fact about the class and nothing else. Throws `TypeError` on anything but a constructor parameter.
 */
export function Inject(token: TokenReference): (target: object, propertyKey: string | symbol | undefined, index: number) => void {
  if (token === undefined || token === null || (typeof token !== 'function' && typeof token !== 'string' && typeof token !== 'object')) {
    throw new TypeError('Inject() needs a token: a typedi Token, a string id, a class, or () => Class.');
  }
  return (target, propertyKey, index) => {
    if (typeof target !== 'function' || propertyKey !== undefined || typeof index !== 'number') {
      throw new TypeError('Inject() from hostfactory-kernel marks a constructor parameter; it does not inject properties or method parameters.');
    }
    const parameters = registry().parameters;
    const recorded = parameters.get(target as Constructor) ?? new Map<number, TokenReference>();
    recorded.set(index, token);
    parameters.set(target as Constructor, recorded);
  };
}
