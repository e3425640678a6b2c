import { Expose, instanceToPlain, plainToInstance, Transform, Type, type ClassConstructor } from 'class-transformer';
import { cloneJson } from '../../domain/shared/json';
import { isPlainObject } from '../../kernel/validation';

// Reading plain data, only @Expose()d fields cross the boundary; no implicit conversion. Writing a
// DTO out, every field it has is written (DTOs hold nothing else): `excludeAll` there would also
// empty the free-form JSON maps a @JsonField() copies, since class-transformer walks them again.
/** class-transformer options of `fromPlain` (internal; the DTO plan test compares against them). */
export const FROM_PLAIN = { strategy: 'excludeAll', enableImplicitConversion: false, exposeDefaultValues: true } as const;
const TO_PLAIN = { strategy: 'exposeAll', enableImplicitConversion: false } as const;

/** A DTO field holding an instant: a `Date` in the DTO, an ISO-8601 string in plain form. */
export function IsoDate(): PropertyDecorator {
  const record = recordField({ kind: 'date' });
  const expose = Expose();
  const toIso = Transform(({ obj, key }) => {
    const value = (obj as Record<string, unknown>)[key];
    return value instanceof Date ? value.toISOString() : value;
  }, { toPlainOnly: true });
  const fromIso = Transform(({ obj, key }) => {
    const value = (obj as Record<string, unknown>)[key];
    return typeof value === 'string' ? new Date(value) : value instanceof Date ? new Date(value) : value;
  }, { toClassOnly: true });
  return (target, key) => {
    expose(target, key);
    toIso(target, key as string);
    fromIso(target, key as string);
    record(target, key);
  };
}

/**
 * A DTO field holding free-form JSON (a map of tags, attributes, provider configuration): copied as
 * it is in both directions, never turned into class instances or emptied by `excludeAll`.
 */
export function JsonField(): PropertyDecorator {
  const record = recordField({ kind: 'json' });
  const expose = Expose();
  const copy = Transform(({ obj, key }) => cloneJson((obj as Record<string, unknown>)[key]));
  return (target, key) => {
    expose(target, key);
    copy(target, key as string);
    record(target, key);
  };
}

/*
 * The library's own DTOs are built from read-model documents on every query (a Symphony poll builds
 * a request and each of its machines). Their fields are declared with the decorators below, which
 * record each field's kind beside class-transformer's metadata, and `@Dto()` seals a class's field
 * list; `fromPlain` then builds a sealed class directly, with the result `plainToInstance` gives
 * (test/use-cases/dto-plan.test.ts compares the two on generated documents). Any other class,
 * including a host's subclass of a library DTO, goes through `plainToInstance`.
 */

/** What a field holds; `nested`: an array of DTOs of `type()`. */
type FieldKind = { readonly kind: 'value' | 'date' | 'json' } | { readonly kind: 'nested'; readonly type: () => ClassConstructor<object> };
type FieldPlan = FieldKind & { readonly key: string };

/** Fields recorded per prototype, in declaration order, until `@Dto()` seals the class. */
const recorded = new WeakMap<object, FieldPlan[]>();
/** Sealed classes (exactly these constructors, not their subclasses) and their fields, ancestors first. */
const plans = new WeakMap<object, readonly FieldPlan[]>();

function recordField(kind: FieldKind): (target: object, key: string | symbol) => void {
  return (target, key) => {
    let fields = recorded.get(target);
    if (fields === undefined) recorded.set(target, (fields = []));
    fields.push({ ...kind, key: String(key) });
  };
}

/** An exposed DTO field holding a JSON value: a string, number, boolean, null or an array of those. Internal. */
export function Field(): PropertyDecorator {
  const record = recordField({ kind: 'value' });
  const expose = Expose();
  return (target, key) => {
    expose(target, key);
    record(target, key);
  };
}

/** An exposed DTO field holding an array of DTOs of `type()`. Internal. */
export function NestedDtos(type: () => ClassConstructor<object>): PropertyDecorator {
  const record = recordField({ kind: 'nested', type });
  const expose = Expose();
  const typed = Type(type);
  return (target, key) => {
    expose(target, key);
    typed(target, key as string);
    record(target, key);
  };
}

/** Seals a library DTO class whose every field is declared with `Field`, `IsoDate`, `JsonField` or `NestedDtos`. Internal. */
export function Dto(): ClassDecorator {
  return (target) => {
    const parent: unknown = Object.getPrototypeOf(target);
    const inherited = parent === Function.prototype ? [] : plans.get(parent as object);
    if (inherited === undefined) throw new Error(`@Dto() on ${target.name}: its parent class is not a sealed DTO`);
    plans.set(target, [...inherited, ...(recorded.get(target.prototype as object) ?? [])]);
  };
}

/** Not buildable directly: `fromPlain` hands the document to class-transformer. */
const UNPLANNED = Symbol('unplanned');

function build(type: ClassConstructor<object>, plan: readonly FieldPlan[], plain: Record<string, unknown>): object | typeof UNPLANNED {
  const dto = new type() as Record<string, unknown>;
  for (const field of plan) {
    const value = plain[field.key];
    let out: unknown;
    if (field.kind === 'value') {
      out = value;
      if (Array.isArray(value)) {
        if (!value.every((item) => item === null || typeof item !== 'object')) return UNPLANNED;
        out = [...value];
      } else if (typeof value === 'object' && value !== null) return UNPLANNED;
    } else if (field.kind === 'date') {
      out = typeof value === 'string' || value instanceof Date ? new Date(value) : value;
    } else if (field.kind === 'json') {
      out = cloneJson(value);
    } else if (field.kind === 'nested' && Array.isArray(value)) {
      const nested = field.type();
      const nestedPlan = plans.get(nested);
      if (nestedPlan === undefined) return UNPLANNED;
      const items: object[] = [];
      for (const item of value) {
        const built = isPlainObject(item) ? build(nested, nestedPlan, item) : UNPLANNED;
        if (built === UNPLANNED) return UNPLANNED;
        items.push(built);
      }
      out = items;
    } else if (value !== undefined && value !== null) return UNPLANNED;
    else out = value;
    // class-transformer keeps the instance's own value (`exposeDefaultValues`) for an unset field.
    dto[field.key] = out === undefined ? dto[field.key] : out;
  }
  return dto;
}


/** Turns a DTO into plain JSON data (dates as ISO strings). */
export function toPlain<T extends object>(dto: T): Record<string, unknown> {
  return instanceToPlain(dto, TO_PLAIN) as Record<string, unknown>;
}

/** Builds a DTO of class `type` from plain data (ISO strings become dates); unknown keys are dropped. */
export function fromPlain<T extends object>(type: ClassConstructor<T>, plain: unknown): T {
  const plan = plans.get(type);
  if (plan !== undefined && isPlainObject(plain)) {
    const built = build(type, plan, plain);
    if (built !== UNPLANNED) return built as T;
  }
  return plainToInstance(type, plain, FROM_PLAIN) as T;
}
