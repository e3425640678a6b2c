/// <reference path="./class-transformer-storage.d.ts" />
import { plainToInstance, Type, type ClassTransformOptions } from 'class-transformer';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage.js';

/**
 * Builds a message instance from plain input the way `plainToInstance(cls, plain, TRANSFORM_OPTIONS)`
 * does, without its per-key metadata searches: class-transformer looks up expose, exclude, type and
 * transform metadata for every key of every object on every call, which was about 70 % of `X.from()`.
 *
 * A class is built here only when class-transformer would do nothing for it but copy keys, construct
 * nested `@Type` classes and convert to `Date`/`String`/`Number`/`Boolean`: no `@Expose`, `@Exclude` or
 * `@Transform` on the class or its ancestors, no discriminator, no `Map`/`Set` fields. Anything else,
 * and any input this path does not mirror exactly (a Map, a Set, a Buffer, an object with another
 * prototype where no type is declared), is handed to `plainToInstance` itself, whole. The metadata is
 * read from class-transformer's own storage (`class-transformer/cjs/storage`, which tools such as
 * class-validator-jsonschema also read); its shape is checked once, with a probe class, and if it is
 * not what this code expects (another class-transformer version, or a bundler that loaded a second
 * copy), every call goes to `plainToInstance`. `test/kernel/instance-plan.test.ts` compares both
 * paths on generated classes and inputs.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function toInstance<T>(cls: new (...args: any[]) => T, plain: object): T {
  const built = compiledInstance(cls, plain);
  return built === NOT_COMPILED ? (plainToInstance(cls, plain, TRANSFORM_OPTIONS) as T) : built;
}

/**
 * class-transformer options for untrusted input: no implicit conversion (a `"3"` stays a string
 * and fails `@IsInt`), extra keys kept so validation can reject them, declared defaults applied.
 * The compiled build mirrors exactly these options.
 */
export const TRANSFORM_OPTIONS: ClassTransformOptions = Object.freeze({
  enableImplicitConversion: false,
  excludeExtraneousValues: false,
  exposeDefaultValues: true,
  enableCircularCheck: false,
});

/** What {@link compiledInstance} answers when the input must go to `plainToInstance`. */
export const NOT_COMPILED: unique symbol = Symbol('not compiled');

/** The compiled build alone (for tests): the instance, or {@link NOT_COMPILED} when it hands over. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function compiledInstance<T>(cls: new (...args: any[]) => T, plain: object): T | typeof NOT_COMPILED {
  // A thenable is turned into a promise by class-transformer; not a case worth mirroring.
  if (!storageUsable() || typeof (plain as { then?: unknown }).then === 'function') return NOT_COMPILED;
  try {
    return buildClass(cls as unknown as Constructor, plain) as T;
  } catch (error) {
    if (error !== BAIL) throw error;
    return NOT_COMPILED;
  }
}

type Constructor = new () => Record<string, unknown>;

/** One `@Type` declaration as class-transformer stores it. */
interface TypeMetadata {
  readonly typeFunction?: (options: { newObject: unknown; object: unknown; property: string }) => unknown;
  readonly reflectedType?: unknown;
  readonly options?: { readonly discriminator?: unknown };
}

/** What this module reads of class-transformer's `MetadataStorage`. */
interface Storage {
  readonly _typeMetadatas: Map<unknown, Map<string | undefined, TypeMetadata>>;
  readonly _transformMetadatas: Map<unknown, Map<string | undefined, unknown[]>>;
  readonly _exposeMetadatas: Map<unknown, Map<string | undefined, unknown>>;
  readonly _excludeMetadatas: Map<unknown, Map<string | undefined, unknown>>;
  getAncestors(target: unknown): unknown[];
}

/** Thrown inside a build to hand the whole input to `plainToInstance`; never escapes {@link toInstance}. */
const BAIL: unique symbol = Symbol('bail to plainToInstance');

/** A compiled class: the `@Type` declarations that apply to it (its own first, then its ancestors'). */
interface ClassPlan {
  readonly types: ReadonlyMap<string, TypeMetadata>;
}

/** `null`: the class needs class-transformer itself. */
const plans = new WeakMap<object, ClassPlan | null>();
let storage: Storage | null | undefined;

/** The storage, once its shape and identity are checked; `null` when the check failed. */
function storageUsable(): boolean {
  if (storage === undefined) storage = checkedStorage();
  return storage !== null;
}

function checkedStorage(): Storage | null {
  const candidate = defaultMetadataStorage as unknown as Partial<Storage> | undefined;
  if (typeof candidate !== 'object' || candidate === null) return null;
  const maps = [candidate._typeMetadatas, candidate._transformMetadatas, candidate._exposeMetadatas, candidate._excludeMetadatas];
  if (!maps.every((map) => map instanceof Map) || typeof candidate.getAncestors !== 'function') return null;
  // The decorators a host imports from 'class-transformer' must write to this very storage.
  class Probe {}
  const typeFunction = (): DateConstructor => Date;
  Type(typeFunction)(Probe.prototype, 'at');
  const recorded = candidate._typeMetadatas!.get(Probe)?.get('at');
  candidate._typeMetadatas!.delete(Probe);
  return recorded?.typeFunction !== undefined && recorded.typeFunction({ newObject: {}, object: {}, property: 'at' }) === Date ? (candidate as Storage) : null;
}

/** The plan of `cls`, or `null` if class-transformer must build it (decorators this path does not mirror). */
function planOf(cls: object): ClassPlan | null {
  let plan = plans.get(cls);
  if (plan === undefined) {
    plan = compile(cls);
    plans.set(cls, plan);
  }
  return plan;
}

function compile(cls: object): ClassPlan | null {
  const s = storage!;
  const targets = [cls, ...s.getAncestors(cls)];
  const types = new Map<string, TypeMetadata>();
  for (const target of targets) {
    if (hasEntries(s._transformMetadatas.get(target)) || hasEntries(s._exposeMetadatas.get(target)) || hasEntries(s._excludeMetadatas.get(target))) return null;
    for (const [property, metadata] of s._typeMetadatas.get(target) ?? []) {
      if (property === undefined || metadata.options?.discriminator !== undefined || metadata.reflectedType === Map || metadata.reflectedType === Set) return null;
      // The nearest declaration wins, as in class-transformer's findTypeMetadata.
      if (!types.has(property)) types.set(property, metadata);
    }
  }
  return { types };
}

function hasEntries(map: Map<unknown, unknown> | undefined): boolean {
  return map !== undefined && map.size > 0;
}

/** A new instance of `cls` filled from `value`: class-transformer's object branch for a class target. */
function buildClass(cls: Constructor, value: object): unknown {
  const plan = planOf(cls);
  if (plan === null) throw BAIL;
  const instance = new cls();
  const source = value as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    if (key === '__proto__' || key === 'constructor') continue;
    const sub = source[key];
    const metadata = plan.types.get(key);
    const type = metadata === undefined ? undefined : typeOf(metadata, instance, source, key);
    if (sub instanceof Map) throw BAIL;
    const arrayType = Array.isArray(sub) ? metadata?.reflectedType : undefined;
    if (skipped(instance, key)) continue;
    instance[key] = sub === undefined ? instance[key] : build(sub, type, arrayType);
  }
  return instance;
}

function typeOf(metadata: TypeMetadata, instance: object, source: object, key: string): unknown {
  return metadata.typeFunction ? metadata.typeFunction({ newObject: instance, object: source, property: key }) : metadata.reflectedType;
}

/** class-transformer never writes over a getter without a setter, a method, or any function-valued key. */
function skipped(target: Record<string, unknown>, key: string): boolean {
  const prototype: unknown = (target.constructor as { prototype?: unknown }).prototype;
  if (!prototype) return false;
  const descriptor = Object.getOwnPropertyDescriptor(prototype, key);
  return (descriptor !== undefined && !descriptor.set) || target[key] instanceof Function;
}

/** class-transformer's `transform` for one value with an optional target type, plain-to-class only. */
function build(value: unknown, type: unknown, arrayType: unknown): unknown {
  if (Array.isArray(value)) {
    // class-transformer instantiates the field's design type and keeps it only if it has `push`.
    if (arrayType !== undefined && arrayType !== Array && arrayType !== Object) throw BAIL;
    const copy: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) continue; // forEach skips holes
      const item: unknown = value[i];
      if (item instanceof Map) throw BAIL;
      copy.push(build(item, type, undefined));
    }
    return copy;
  }
  if (value instanceof Set || value instanceof Map || type === Buffer) throw BAIL;
  if (type === String || type === Number || type === Boolean) return value === null || value === undefined ? value : (type as (v: unknown) => unknown)(value);
  if (type === Date || value instanceof Date) {
    if (value instanceof Date) return new Date(value.valueOf());
    return value === null || value === undefined ? value : new Date(value as string);
  }
  if (typeof value !== 'object' || value === null) {
    if (type !== undefined && typeof type !== 'function') throw BAIL;
    return value;
  }
  if (typeof (value as { then?: unknown }).then === 'function' || (typeof Buffer !== 'undefined' && value instanceof Buffer)) throw BAIL;
  if (type === undefined) return buildPlain(value);
  if (typeof type !== 'function') throw BAIL;
  return buildClass(type as Constructor, value);
}

/** An object with no declared type: class-transformer copies a plain object into `{}`. */
function buildPlain(value: object): unknown {
  // Another prototype (or an own "constructor" key) makes class-transformer build with that constructor.
  if ((value as { constructor?: unknown }).constructor !== Object) throw BAIL;
  const copy: Record<string, unknown> = {};
  const source = value as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    if (key === '__proto__' || key === 'constructor') continue;
    const sub = source[key];
    if (sub instanceof Map) throw BAIL;
    if (skipped(copy, key)) continue;
    copy[key] = sub === undefined ? copy[key] : build(sub, undefined, undefined);
  }
  return copy;
}
