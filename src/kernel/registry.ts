import { Container, Token, type ContainerInstance } from 'typedi';
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
   * decorators, which have no parameter decorators; with legacy decorators `@Inject(TOKEN)` works too.
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
  /** Handler classes a kernel gets only when listed explicitly (the library's own use cases). */
  readonly explicitOnly?: WeakSet<Constructor>;
  /** Message class → the decorated handler class that claimed it. */
  readonly byMessage: Map<Constructor, Constructor>;
}

// One registry per process, shared by the ESM and CJS copies of this package.
const REGISTRY_KEY = Symbol.for('hostfactory-kernel.registry.v1');

function registry(): Registry {
  const holder = globalThis as typeof globalThis & { [REGISTRY_KEY]?: Registry };
  return (holder[REGISTRY_KEY] ??= { handlers: new Map(), byMessage: new Map() });
}

/** Every handler class decorated so far in this process, in decoration order, except explicit-only ones. */
export function decoratedHandlers(): HandlerRegistration[] {
  const reg = registry();
  return [...reg.handlers.values()].filter((r) => !reg.explicitOnly?.has(r.handler));
}

/**
 * Keeps `handlers` out of the default handler list of `createKernel()`: a kernel routes them only
 * when they are listed in its `handlers` option. The library's own use-case handlers use this, so a
 * host's plain kernel never picks them up. (Internal: not exported from the package.)
 */
export function explicitOnly(...handlers: readonly Constructor[]): void {
  const holder = registry() as { explicitOnly?: WeakSet<Constructor> };
  holder.explicitOnly ??= new WeakSet();
  for (const handler of handlers) holder.explicitOnly.add(handler);
}

/** The registration of a decorated handler class, or undefined for a plain class. */
export function registrationOf(handler: Constructor): HandlerRegistration | undefined {
  return registry().handlers.get(handler);
}

/** Records `registration` and makes the class a typedi service whose dependencies come from tokens. */
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
  // A typedi service resolved with our factory, so it never depends on design:paramtypes metadata.
  Container.set({
    id: registration.handler,
    type: null,
    factory: (container: ContainerInstance) => construct(registration.handler, container),
    global: false,
    multiple: false,
    eager: false,
    transient: false,
  } as never);
}

/** A constructor parameter and the token it is injected from, if one is known. */
export interface ParameterToken {
  readonly index: number;
  readonly token: InjectionToken | undefined;
  /** Resolves the parameter in a container (from an explicit token or a typedi `@Inject` handler). */
  readonly resolve: ((container: ContainerInstance) => unknown) | undefined;
}

interface TypediParamHandler {
  object: unknown;
  index?: number;
  value: (container: ContainerInstance) => unknown;
}

/** The constructor parameters of `handler` and where each one comes from. */
export function parameterTokens(handler: Constructor, inject?: readonly InjectionToken[]): ParameterToken[] {
  const explicit = inject ?? registrationOf(handler)?.inject;
  const typediHandlers = ((Container as unknown as { handlers: TypediParamHandler[] }).handlers ?? []).filter(
    (h) => h.object === handler && typeof h.index === 'number',
  );
  let count = Math.max(handler.length, explicit?.length ?? 0);
  for (const h of typediHandlers) count = Math.max(count, (h.index as number) + 1);
  const params: ParameterToken[] = [];
  for (let index = 0; index < count; index++) {
    const token = explicit?.[index];
    if (token !== undefined) {
      params.push({ index, token, resolve: (c) => c.get(token as never) });
      continue;
    }
    const typedi = typediHandlers.find((h) => h.index === index);
    if (typedi !== undefined) {
      params.push({ index, token: probeToken(typedi), resolve: (c) => typedi.value(c) });
      continue;
    }
    params.push({ index, token: undefined, resolve: undefined });
  }
  return params;
}

/** Reads which token a typedi `@Inject` handler asks for, without resolving anything. */
function probeToken(handler: TypediParamHandler): InjectionToken | undefined {
  let asked: InjectionToken | undefined;
  const probe = {
    get(id: InjectionToken) {
      asked = id;
      return undefined;
    },
  };
  try {
    handler.value(probe as unknown as ContainerInstance);
  } catch {
    return undefined;
  }
  return asked;
}

/** A printable name for a token. */
export function tokenName(token: InjectionToken | undefined): string {
  if (token === undefined) return '(no token)';
  if (typeof token === 'string') return JSON.stringify(token);
  if (token instanceof Token) return `Token(${token.name ?? 'unnamed'})`;
  return token.name || '(anonymous class)';
}

/** Builds `handler` with its dependencies resolved from `container`; throws when one has no token. */
export function construct<T>(handler: Constructor<T>, container: ContainerInstance, inject?: readonly InjectionToken[]): T {
  const params = parameterTokens(handler, inject);
  const args = params.map((p) => {
    if (p.resolve === undefined) {
      throw new KernelError(
        'UNRESOLVED_DEPENDENCY',
        `Cannot construct ${handler.name}: constructor parameter #${p.index} has no injection token. ` +
          `Add @Inject(TOKEN) to it, or pass { inject: [...] } to the handler decorator.`,
        { details: { handler: handler.name, parameter: p.index } },
      );
    }
    return p.resolve(container);
  });
  return new handler(...args);
}

/**
 * The instance a kernel uses for a handler class: from its container when the class is a service
 * there (decorated classes are), otherwise built with {@link construct}.
 */
export function instantiate<T>(handler: Constructor<T>, container: ContainerInstance): T {
  if (container.has(handler) || registrationOf(handler) !== undefined) return container.get(handler);
  return construct(handler, container);
}
