import type { Token } from 'typedi';
import { DuplicateHandlerError, KernelError } from './errors';

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

/** What a handler decorator recorded about a class. */
export interface HandlerRegistration {
  readonly kind: 'command' | 'query' | 'event';
  readonly handler: Constructor;
  /** The message class handled (commands and queries). */
  readonly message?: Constructor;
  /** The event types handled (event handlers). */
  readonly eventTypes?: readonly string[];
  readonly inject?: readonly InjectionToken[];
}

interface Registry {
  /** Every decorated handler class, in decoration order. */
  readonly handlers: Map<Constructor, HandlerRegistration>;
  /** Message class → the decorated handler class that claimed it. */
  readonly byMessage: Map<Constructor, Constructor>;
}

// One registry per process, shared by the ESM and CJS copies of this package.
const REGISTRY_KEY = Symbol.for('hostfactory-kernel.registry.v1');

function registry(): Registry {
  const holder = globalThis as typeof globalThis & { [REGISTRY_KEY]?: Registry };
  return (holder[REGISTRY_KEY] ??= { handlers: new Map(), byMessage: new Map() });
}

/** The registration of a decorated handler class, or undefined for a plain class. */
export function registrationOf(handler: Constructor): HandlerRegistration | undefined {
  return registry().handlers.get(handler);
}

/**
 * Records `registration` in the cross-copy registry and nothing else: no container is touched until
 * a kernel takes the class. Throws `DUPLICATE_HANDLER` for a second class claiming the same message.
 */
export function annotate(registration: HandlerRegistration): void {
  const reg = registry();
  const known = reg.handlers.get(registration.handler);
  if (known !== undefined) {
    if (known.message === registration.message && known.kind === registration.kind) return;
    throw new KernelError(
      'DUPLICATE_HANDLER',
      `${registration.handler.name} is decorated twice with different messages. Give each handler class one decorator.`,
      { details: { handler: registration.handler.name } },
    );
  }
  if (registration.message !== undefined) {
    const existing = reg.byMessage.get(registration.message);
    if (existing !== undefined && existing !== registration.handler) {
      // Kept (not routed) so that a kernel created after a caught error still reports it in verify().
      reg.handlers.set(registration.handler, registration);
      throw new DuplicateHandlerError(registration.message.name, existing.name, registration.handler.name);
    }
    reg.byMessage.set(registration.message, registration.handler);
  }
  reg.handlers.set(registration.handler, registration);
}
