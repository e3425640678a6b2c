import { Container, ContainerInstance, Token } from 'typedi';
import { KernelError } from './errors';
import { injectTokensOf, type Constructor, type InjectionToken } from './registry';

/**
 * How a kernel builds handler classes, with typedi's public API only:
 * - tokens come from the decorator's `{ inject }` option, typedi's `@Inject(token)` (read from the
 *   public `Container.handlers` list that typedi's own decorators fill) or the `design:paramtypes`
 *   metadata TypeScript emits with `emitDecoratorMetadata`, in that order;
 * - each token is resolved with `container.get(token)` in the kernel's own container.
 * Nothing here writes to typedi's global container.
 */

/** Where one constructor parameter comes from. */
export interface Parameter {
  readonly index: number;
  /** The token the parameter is injected from; undefined when nothing names one. */
  readonly token: InjectionToken | undefined;
  /** How the parameter was named: an explicit token, typedi's `@Inject`, or the emitted parameter type. */
  readonly source: 'inject' | 'typedi' | 'paramtypes' | undefined;
  /** Resolves the parameter (typedi's own `@Inject` factory, or `container.get(token)`). */
  readonly resolve: ((container: ContainerInstance) => unknown) | undefined;
}

/** The analysis of one handler class's constructor. */
export interface Parameters {
  readonly params: readonly Parameter[];
  /** The class takes parameters but carries no `design:paramtypes` (the build tool dropped it). */
  readonly metadataMissing: boolean;
}

// Types TypeScript emits for interfaces, unions and primitives: never a usable token.
const OPAQUE_TYPES: ReadonlySet<unknown> = new Set([Object, String, Number, Boolean, Symbol, BigInt, Function, Array, Promise, undefined]);

/** The constructor parameters of `handler` and the token each one is injected from. */
export function parametersOf(handler: Constructor, inject?: readonly InjectionToken[]): Parameters {
  const explicit = inject ?? injectTokensOf(handler);
  const typedi = typediInjections(handler);
  const paramTypes = readParamTypes(handler);
  let count = Math.max(handler.length, explicit?.length ?? 0, paramTypes?.length ?? 0);
  for (const index of typedi.keys()) count = Math.max(count, index + 1);
  const params: Parameter[] = [];
  for (let index = 0; index < count; index++) params.push(parameter(index, explicit?.[index], typedi.get(index), paramTypes?.[index]));
  return { params, metadataMissing: paramTypes === undefined && params.some((p) => p.token === undefined && p.resolve === undefined) };
}

function parameter(index: number, explicit: InjectionToken | undefined, typedi: TypediInjection | undefined, paramType: unknown): Parameter {
  if (explicit !== undefined) return { index, token: explicit, source: 'inject', resolve: (c) => c.get(explicit as never) };
  if (typedi !== undefined) return { index, token: typedi.token, source: 'typedi', resolve: typedi.value };
  if (!OPAQUE_TYPES.has(paramType) && typeof paramType === 'function') {
    const type = paramType as Constructor;
    return { index, token: type, source: 'paramtypes', resolve: (c) => c.get(type) };
  }
  return { index, token: undefined, source: undefined, resolve: undefined };
}

function readParamTypes(handler: Constructor): readonly unknown[] | undefined {
  const reflect = Reflect as typeof Reflect & { getMetadata?: (key: string, target: object) => unknown };
  const types = typeof reflect.getMetadata === 'function' ? reflect.getMetadata('design:paramtypes', handler) : undefined;
  return Array.isArray(types) ? types : undefined;
}

interface TypediInjection {
  /** The token typedi's factory asks for, when it asks for exactly one. */
  readonly token: InjectionToken | undefined;
  readonly value: (container: ContainerInstance) => unknown;
}

/**
 * typedi's `@Inject()` constructor-parameter handlers of `handler`, by index. `Container.handlers`
 * and the `Handler` type are declared public in typedi 0.10's type declarations (unlike the
 * `private` service list); it is only read here, never changed.
 */
function typediInjections(handler: Constructor): Map<number, TypediInjection> {
  const found = new Map<number, TypediInjection>();
  for (const h of Container.handlers) {
    // typedi applies a parent class's parameter handlers to a subclass without its own constructor.
    if ((h.object !== handler && h.object !== Object.getPrototypeOf(handler)) || typeof h.index !== 'number') continue;
    if (h.object === handler || !found.has(h.index)) found.set(h.index, { token: askedToken(h.value), value: h.value });
  }
  return found;
}

const STOP = Symbol('token recorded');

/** A real, unregistered typedi container that records the first token asked of it and resolves nothing. */
class TokenRecorder extends ContainerInstance {
  asked: InjectionToken | undefined;
  constructor() {
    super('hostfactory-kernel:token-recorder');
  }
  override get(id: unknown): never {
    this.asked = id as InjectionToken;
    throw STOP;
  }
}

function askedToken(value: (container: ContainerInstance) => unknown): InjectionToken | undefined {
  const recorder = new TokenRecorder();
  try {
    value(recorder);
  } catch (error) {
    if (error !== STOP) return undefined;
  }
  return recorder.asked;
}

/** A printable name for a token. */
export function tokenName(token: InjectionToken | undefined): string {
  if (token === undefined) return '(no token)';
  if (typeof token === 'string') return JSON.stringify(token);
  if (token instanceof Token) return `Token(${token.name ?? 'unnamed'})`;
  return token.name || '(anonymous class)';
}

/**
 * True when `container` can hand out `token`: bound there, or a class typedi knows globally
 * (`@Service()`). A value bound in the global container under a token does not count: typedi 0.10
 * copies the binding into a scoped container without its value and then fails to build it.
 */
export function canResolve(container: ContainerInstance, token: InjectionToken): boolean {
  return container.has(token as never) || (typeof token === 'function' && Container.has(token as Constructor));
}

/** Why a parameter cannot be resolved from `container`, as a sentence naming the fix; undefined when it can. */
export function parameterProblem(handler: Constructor, param: Parameter, analysis: Parameters, container: ContainerInstance, where: string): string | undefined {
  const at = `${handler.name}: constructor parameter #${param.index}`;
  if (param.resolve === undefined) {
    if (analysis.metadataMissing) {
      return (
        `${at} has no injection token, and ${handler.name} carries no design:paramtypes metadata: the build tool dropped it ` +
        `(esbuild, tsx, Vite and swc without decoratorMetadata do). Name the tokens in the decorator, e.g. { inject: [TOKEN, …] }, ` +
        `or compile with a tool that emits decorator metadata (tsc with emitDecoratorMetadata).`
      );
    }
    return `${at} has no injection token (its type is an interface, a union or a primitive, which typedi cannot resolve); add @Inject(TOKEN) to it or list the tokens in the decorator's { inject } option.`;
  }
  if (param.token === undefined || canResolve(container, param.token)) return undefined;
  const token = tokenName(param.token);
  const service = typeof param.token === 'function' ? ', or decorate that class with @Service()' : '';
  return `${at} needs ${token}, which is not bound in this ${where}'s container; bind it with container.set(${token}, value)${service} before the first dispatch.`;
}

/**
 * Builds `handler` with its dependencies resolved from `container`. Throws `UNRESOLVED_DEPENDENCY`
 * naming the parameter and the token when one cannot be resolved (never typedi's raw error).
 */
export function construct<T>(handler: Constructor<T>, container: ContainerInstance, where = 'kernel'): T {
  const analysis = parametersOf(handler);
  const args = analysis.params.map((param) => {
    try {
      if (param.resolve !== undefined) return param.resolve(container);
    } catch (error) {
      if (!isTypediLookupError(error)) throw error;
      throw unresolved(handler, param, parameterProblem(handler, param, analysis, container, where) ?? `${handler.name}: constructor parameter #${param.index} could not be built: ${(error as Error).message}`, error);
    }
    throw unresolved(handler, param, parameterProblem(handler, param, analysis, container, where) as string);
  });
  return new handler(...args);
}

function unresolved(handler: Constructor, param: Parameter, message: string, cause?: unknown): KernelError {
  return new KernelError('UNRESOLVED_DEPENDENCY', message, {
    details: { handler: handler.name, parameter: param.index, token: tokenName(param.token) },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** typedi's "nothing bound under this id" and "bound without a value" errors (any copy of typedi). */
function isTypediLookupError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'ServiceNotFoundError' || error.name === 'CannotInstantiateValueError');
}

/**
 * The instance a kernel uses for a handler class: the kernel registers each of its handler classes
 * in its container, so those come from there (one instance per kernel); any other class is built
 * with {@link construct}.
 */
export function instantiate<T>(handler: Constructor<T>, container: ContainerInstance): T {
  if (container.has(handler)) return container.get(handler);
  return construct(handler, container);
}
