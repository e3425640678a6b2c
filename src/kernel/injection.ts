import { Container, Token, type ContainerInstance } from 'typedi';
import { KernelError } from './errors';
import { injectedParametersOf, injectTokensOf, type Constructor, type InjectionToken } from './registry';

/**
 * How a kernel builds handler classes, with typedi's public API only:
 * - tokens come from the decorator's `{ inject }` option, the kernel's own `@Inject(token)` parameter
 *   decorator, typedi's own `@Inject(token)`, or the `design:paramtypes` metadata TypeScript emits with
 *   `emitDecoratorMetadata`, in that order;
 * - each token is resolved with `container.get(token)` in the kernel's own container. typedi's
 *   `@Inject` records a parameter in `Container.handlers` (typedi's public list of its decorators'
 *   records) with a `value(container)` that resolves it: the kernel calls that with its own container,
 *   as typedi itself does, so the token stays typedi's to know.
 * Nothing here reads or writes the services of typedi's global container.
 */

/** Where one constructor parameter comes from. */
export interface Parameter {
  readonly index: number;
  /** The token the parameter is injected from; undefined when nothing names one. */
  readonly token: InjectionToken | undefined;
  /** How the parameter was named: the decorator's `{ inject }`, the kernel's `@Inject`, typedi's `@Inject`, or the emitted parameter type. */
  readonly source: 'inject' | 'decorator' | 'typedi' | 'paramtypes' | undefined;
  /** Resolves the parameter in a kernel's container. */
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
  const injected = injectedParametersOf(handler) ?? injectedParametersOf(Object.getPrototypeOf(handler) as Constructor);
  const paramTypes = readParamTypes(handler);
  let count = Math.max(handler.length, explicit?.length ?? 0, paramTypes?.length ?? 0);
  for (const index of injected?.keys() ?? []) count = Math.max(count, index + 1);
  const typedi = typediParameters(handler);
  for (const index of typedi.keys()) count = Math.max(count, index + 1);
  const params: Parameter[] = [];
  for (let index = 0; index < count; index++) params.push(parameter(index, explicit?.[index], injected?.get(index), typedi.get(index), paramTypes?.[index]));
  return { params, metadataMissing: paramTypes === undefined && params.some((p) => p.resolve === undefined) };
}

/** A parameter record of typedi's `@Inject`: `value(container)` resolves it in the container given. */
interface TypediParameterRecord {
  readonly object: unknown;
  readonly index?: number;
  readonly value: (container: ContainerInstance) => unknown;
}

/** typedi's `@Inject` records for the constructor parameters of `handler` (or of the class it extends), by index. */
function typediParameters(handler: Constructor): Map<number, TypediParameterRecord> {
  const found = new Map<number, TypediParameterRecord>();
  const parent = Object.getPrototypeOf(handler) as unknown;
  for (const record of (Container as unknown as { handlers?: readonly TypediParameterRecord[] }).handlers ?? []) {
    if (typeof record.index !== 'number' || typeof record.value !== 'function') continue;
    if (record.object === handler || (record.object === parent && !found.has(record.index))) found.set(record.index, record);
  }
  return found;
}

function parameter(index: number, explicit: InjectionToken | undefined, injected: InjectionToken | undefined, typedi: TypediParameterRecord | undefined, paramType: unknown): Parameter {
  if (explicit !== undefined) return { index, token: explicit, source: 'inject', resolve: (c) => resolveToken(c, explicit) };
  if (injected !== undefined) return { index, token: injected, source: 'decorator', resolve: (c) => resolveToken(c, injected) };
  if (typedi !== undefined) return { index, token: undefined, source: 'typedi', resolve: (c) => typedi.value(c) };
  if (!OPAQUE_TYPES.has(paramType) && typeof paramType === 'function') {
    const type = paramType as Constructor;
    return { index, token: type, source: 'paramtypes', resolve: (c) => resolveToken(c, type) };
  }
  return { index, token: undefined, source: undefined, resolve: undefined };
}

function readParamTypes(handler: Constructor): readonly unknown[] | undefined {
  const reflect = Reflect as typeof Reflect & { getMetadata?: (key: string, target: object) => unknown };
  const types = typeof reflect.getMetadata === 'function' ? reflect.getMetadata('design:paramtypes', handler) : undefined;
  return Array.isArray(types) ? types : undefined;
}

/** A printable name for a token. */
export function tokenName(token: InjectionToken | undefined): string {
  if (token === undefined) return '(no token)';
  if (typeof token === 'string') return JSON.stringify(token);
  if (token instanceof Token) return `Token(${token.name ?? 'unnamed'})`;
  return token.name || '(anonymous class)';
}

/**
 * True when `container` can hand out `token`: bound in the kernel's container, or a class (typedi
 * builds a `@Service()` class, the kernel any other class, see {@link resolveToken}). Only the
 * kernel's own container is asked: a value bound in typedi's global container under a token does not
 * count (typedi 0.10 copies such a binding into a scoped container without its value).
 */
export function canResolve(container: ContainerInstance, token: InjectionToken): boolean {
  return typeof token === 'function' || container.has(token as never);
}

/**
 * Resolves `token` in the kernel's `container` with typedi's public API. A class neither bound there
 * nor a typedi `@Service()` is built by the kernel like a handler (its parameters resolved the same
 * way) and kept in the container, so it is built once per kernel as a `@Service()` would be.
 */
export function resolveToken(container: ContainerInstance, token: InjectionToken, where = 'kernel'): unknown {
  if (typeof token !== 'function' || container.has(token as Constructor)) return container.get(token as never);
  const type = token as Constructor;
  try {
    return container.get(type);
  } catch (error) {
    // typedi copies a @Service() into the scoped container before building it: when the class is
    // still unknown here, the error is about the class itself, not one of its dependencies.
    if (!isTypediLookupError(error) || container.has(type)) throw error;
  }
  const value = construct(type, container, where);
  container.set({ id: type, value });
  return value;
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
    return `${at} has no injection token (its type is an interface, a union or a primitive, which typedi cannot resolve); add @Inject(TOKEN) to it (the kernel's or typedi's) or list the tokens in the decorator's { inject } option.`;
  }
  if (param.token === undefined || canResolve(container, param.token)) return undefined;
  const token = tokenName(param.token);
  return `${at} needs ${token}, which is not bound in this ${where}'s container; bind it with container.set(${token}, value) before the first dispatch.`;
}

/**
 * Builds `handler` with its dependencies resolved from `container`. Throws `UNRESOLVED_DEPENDENCY`
 * naming the parameter and the token when one cannot be resolved (never typedi's raw error).
 */
export function construct<T>(
  handler: Constructor<T>,
  container: ContainerInstance,
  where = 'kernel',
  overrides?: ReadonlyMap<number, unknown>,
  analysis: Parameters = parametersOf(handler),
): T {
  const args = analysis.params.map((param) => {
    if (overrides?.has(param.index)) return overrides.get(param.index);
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
