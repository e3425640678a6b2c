import 'reflect-metadata';
import { Exclude, Expose, plainToInstance, Transform, Type } from 'class-transformer';
import { IsString } from 'class-validator';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { compiledInstance, NOT_COMPILED, toInstance, TRANSFORM_OPTIONS } from '../../src/kernel/instance-plan';
import { Command } from '../../src';

// The compiled build of `X.from()` against class-transformer's `plainToInstance` with the same options,
// on generated class families and generated input: same classes, same own keys in the same order, same
// values, nested types and dates, same throws. Classes with decorators the build does not mirror must
// hand over (NOT_COMPILED) and still give the same result through `from()`.

type Ctor = new () => Record<string, unknown>;

/** Keys both the classes and the input draw from: fields, methods, accessors and Object.prototype names. */
const KEYS = ['a', 'b', 'items', 'at', 'nested', 'count', 'flag', 'label', 'run', 'view', 'both', 'toString', 'valueOf', 'validate', 'then'] as const;

interface FieldSpec {
  readonly key: string;
  readonly kind: 'plain' | 'nested' | 'Date' | 'String' | 'Number' | 'Boolean';
  readonly design: 'none' | 'Array' | 'Object' | 'own';
  readonly initial: unknown;
}
interface ClassSpec {
  readonly fields: readonly FieldSpec[];
  readonly method: string | null;
  readonly getterOnly: string | null;
  readonly accessor: string | null;
  readonly withParent: boolean;
  readonly parentField: FieldSpec | null;
  readonly asCommand: boolean;
}

const initialValue = fc.oneof(fc.constant(undefined), fc.integer(), fc.string({ maxLength: 3 }), fc.constant(null), fc.constant([1, 2]));
const fieldSpec: fc.Arbitrary<FieldSpec> = fc.record({
  key: fc.constantFrom(...KEYS),
  kind: fc.constantFrom('plain', 'nested', 'Date', 'String', 'Number', 'Boolean'),
  design: fc.constantFrom('none', 'Array', 'Object', 'own'),
  initial: initialValue,
});
const classSpec: fc.Arbitrary<ClassSpec> = fc.record({
  fields: fc.array(fieldSpec, { maxLength: 5 }),
  method: fc.option(fc.constantFrom(...KEYS), { nil: null }),
  getterOnly: fc.option(fc.constantFrom(...KEYS), { nil: null }),
  accessor: fc.option(fc.constantFrom(...KEYS), { nil: null }),
  withParent: fc.boolean(),
  parentField: fc.option(fieldSpec, { nil: null }),
  asCommand: fc.boolean(),
});

/** A nested class used by `nested` fields: two fields, one of them a `Date`, and a method. */
class Inner {
  describe(): string {
    return 'inner';
  }
}
Type(() => Date)(Inner.prototype, 'at');

function declare(target: object, field: FieldSpec, own: Ctor): void {
  if (field.kind === 'plain') return;
  const types = { nested: Inner, Date, String, Number, Boolean } as const;
  const design = { none: undefined, Array, Object, own }[field.design];
  if (design !== undefined) Reflect.defineMetadata('design:type', design, target, field.key);
  Type(() => types[field.kind as keyof typeof types])(target, field.key);
}

/** Builds the class a spec describes (field initialisers run in the constructor, as with useDefineForClassFields off). */
function defineClass(spec: ClassSpec): Ctor {
  const Base = (spec.asCommand ? class extends Command<void> {} : class {}) as unknown as Ctor;
  let Parent = Base;
  if (spec.withParent) {
    const parentField = spec.parentField;
    Parent = class extends Base {
      constructor() {
        super();
        if (parentField && parentField.initial !== undefined) this[parentField.key] = parentField.initial;
      }
    };
    if (parentField) declare(Parent.prototype, parentField, Parent);
  }
  const Generated = class extends Parent {
    constructor() {
      super();
      for (const field of spec.fields) if (field.initial !== undefined) this[field.key] = field.initial;
    }
  };
  for (const field of spec.fields) declare(Generated.prototype, field, Generated);
  if (spec.method) Object.defineProperty(Generated.prototype, spec.method, { value: () => 'method', writable: true, configurable: true });
  if (spec.getterOnly) Object.defineProperty(Generated.prototype, spec.getterOnly, { get: () => 'getter', configurable: true });
  if (spec.accessor) {
    const store = new WeakMap<object, unknown>();
    Object.defineProperty(Generated.prototype, spec.accessor, { get(this: object) { return store.get(this); }, set(this: object, v: unknown) { store.set(this, v); }, configurable: true });
  }
  return Generated;
}

const leaf = fc.oneof(fc.integer(), fc.double({ noNaN: false }), fc.string({ maxLength: 4 }), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.date({ noInvalidDate: false }), fc.constantFrom('2026-01-02T03:04:05Z', 'not a date', ''));
const { value: inputValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.sparseArray(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 4 }),
  ),
}));
/** Top-level input: a dictionary over the shared keys, sometimes with an own "__proto__" or "constructor" key as JSON.parse makes them. */
const input = fc.tuple(fc.dictionary(fc.constantFrom(...KEYS), inputValue, { maxKeys: 6 }), fc.constantFrom('', '__proto__', 'constructor')).map(([object, extra]) => (extra === '' ? object : { ...object, ...(JSON.parse(`{"${extra}": {"x": 1}}`) as object) }));

/** Structural comparison that also checks prototypes, own key order and Date values (NaN equal). */
function same(a: unknown, b: unknown, path = '$'): string | null {
  if (a instanceof Date || b instanceof Date) {
    if (!(a instanceof Date && b instanceof Date)) return `${path}: Date vs not`;
    return Object.is(a.getTime(), b.getTime()) ? null : `${path}: ${a.getTime()} vs ${b.getTime()}`;
  }
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b) ? null : `${path}: ${String(a)} vs ${String(b)}`;
  // Two promises (a thenable given where a class is declared) are alike; with async hooks on, Node gives
  // each its own async ids as symbol-keyed properties.
  if (a instanceof Promise || b instanceof Promise) return a instanceof Promise && b instanceof Promise ? null : `${path}: Promise vs not`;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${path}: different prototypes`;
  const keysA = Reflect.ownKeys(a);
  const keysB = Reflect.ownKeys(b);
  if (keysA.map(String).join('\u0000') !== keysB.map(String).join('\u0000')) return `${path}: keys [${keysA.map(String).join(',')}] vs [${keysB.map(String).join(',')}]`;
  for (const key of keysA) {
    const problem = same((a as Record<PropertyKey, unknown>)[key], (b as Record<PropertyKey, unknown>)[key], `${path}.${String(key)}`);
    if (problem) return problem;
  }
  return null;
}

function outcome(run: () => unknown): { value?: unknown; error?: string } {
  try {
    return { value: run() };
  } catch (error) {
    return { error: (error as Error).constructor.name };
  }
}

describe('the compiled build of X.from() (instance-plan)', () => {
  it('builds what plainToInstance builds, on generated classes and input', () => {
    let compiled = 0;
    fc.assert(
      fc.property(classSpec, input, (spec, plain) => {
        const cls = defineClass(spec);
        const ours = outcome(() => compiledInstance(cls, plain));
        if (ours.value === NOT_COMPILED) return;
        compiled += 1;
        const reference = outcome(() => plainToInstance(cls, plain, TRANSFORM_OPTIONS));
        expect(ours.error).toBe(reference.error);
        expect(same(ours.value, reference.value)).toBeNull();
      }),
      { numRuns: 1500 },
    );
    // The comparison means something only if most cases went through the compiled build.
    expect(compiled).toBeGreaterThan(700);
  });

  it('hands over to class-transformer for decorators it does not mirror, and for input it does not copy', () => {
    class WithTransform {}
    Transform(({ value }) => String(value).toUpperCase())(WithTransform.prototype, 'name');
    class WithExpose {}
    Expose({ name: 'full_name' })(WithExpose.prototype, 'fullName');
    @Exclude()
    class WithClassExclude {}
    class Parent {}
    Transform(({ value }) => value)(Parent.prototype, 'x');
    class Child extends Parent {}
    class WithSet {}
    Reflect.defineMetadata('design:type', Set, WithSet.prototype, 'tags');
    Type(() => String)(WithSet.prototype, 'tags');
    class Plain {}
    class WithClassType {}
    Type(() => String)(WithClassType.prototype, undefined as never);
    for (const cls of [WithTransform, WithExpose, WithClassExclude, Child, WithSet, WithClassType]) expect(compiledInstance(cls, { name: 'x' })).toBe(NOT_COMPILED);
    class WithTypeName {}
    Type(() => 'Line' as unknown as Function)(WithTypeName.prototype, 'line');
    expect(compiledInstance(WithTypeName, { line: { at: 'x' } })).toBe(NOT_COMPILED);
    for (const odd of [{ value: new Map() }, { value: Object.create(null) as object }, { value: new Set([1]) }, { value: Buffer.from('x') }, { then: () => undefined }]) {
      expect(compiledInstance(Plain, odd)).toBe(NOT_COMPILED);
    }
  });

  it("takes a subclass's own @Type over its parent's for the same property, as plainToInstance does", () => {
    class Old {}
    class New {}
    class Parent {}
    Type(() => Old)(Parent.prototype, 'item');
    class Child extends Parent {}
    Type(() => New)(Child.prototype, 'item');
    const built = compiledInstance(Child as Ctor, { item: {} });
    if (built === NOT_COMPILED) throw new Error('handed over');
    expect(built.item).toBeInstanceOf(New);
    expect((plainToInstance(Child, { item: {} }, TRANSFORM_OPTIONS) as { item?: unknown }).item).toBeInstanceOf(New);
  });

  it('builds nested classes, arrays, plain objects and primitives under a declared class itself', () => {
    class Line {}
    Type(() => Date)(Line.prototype, 'at');
    class Basket {}
    Reflect.defineMetadata('design:type', Array, Basket.prototype, 'lines');
    Type(() => Line)(Basket.prototype, 'lines');
    Reflect.defineMetadata('design:type', Object, Basket.prototype, 'spare');
    Type(() => Line)(Basket.prototype, 'spare');
    Type(() => Line)(Basket.prototype, 'main');
    Type(() => Line)(Basket.prototype, 'gift');
    const at = '2026-01-02T03:04:05Z';
    const plain = () => ({ lines: [{ at }], spare: [{ at }], main: { at }, gift: 'none', extra: { note: { text: 'x' } } });
    const built = compiledInstance(Basket as Ctor, plain());
    if (built === NOT_COMPILED) throw new Error('handed over');
    expect(same(built, plainToInstance(Basket, plain(), TRANSFORM_OPTIONS))).toBeNull();
    expect((built.lines as unknown[])[0]).toBeInstanceOf(Line);
    expect((built.main as { at: unknown }).at).toBeInstanceOf(Date);
    expect(built.gift).toBe('none');
    expect(built.extra).toEqual({ note: { text: 'x' } });
  });

  it('builds what plainToInstance builds for fields and input the generated ones do not reach', () => {
    /** X.from()'s build against plainToInstance, each on its own copy of the input (a discriminator deletes its key). */
    const expectSame = (cls: Function, plain: () => object): void => {
      const ours = outcome(() => toInstance(cls as Ctor, plain()));
      const reference = outcome(() => plainToInstance(cls as Ctor, plain(), TRANSFORM_OPTIONS));
      expect(ours.error).toBe(reference.error);
      expect(same(ours.value, reference.value)).toBeNull();
    };
    class Line {}
    Type(() => Date)(Line.prototype, 'at');

    // A Map field: class-transformer builds a Map of converted values.
    class Ranking {}
    Reflect.defineMetadata('design:type', Map, Ranking.prototype, 'scores');
    Type(() => Number)(Ranking.prototype, 'scores');
    expectSame(Ranking, () => ({ scores: { ada: '3' } }));
    expect([...(toInstance(Ranking as Ctor, { scores: { ada: '3' } }).scores as Map<string, number>)]).toEqual([['ada', 3]]);

    // A discriminator picks the subclass named by the value and removes its key.
    class Shape {}
    class Circle extends Shape {}
    class Square extends Shape {}
    class Drawing {}
    Type(() => Shape, { discriminator: { property: 'kind', subTypes: [{ value: Circle, name: 'circle' }, { value: Square, name: 'square' }] } })(Drawing.prototype, 'shape');
    expectSame(Drawing, () => ({ shape: { kind: 'circle', radius: 1 } }));

    // @Type given null options, as untyped JavaScript can.
    class Loose {}
    Type(() => Line, null as never)(Loose.prototype, 'line');
    expectSame(Loose, () => ({ line: { at: '2026-01-02T03:04:05Z' } }));

    // A subclass with no decorators of its own converts the fields its parent types.
    class Sizes {}
    for (const size of ['S', 'M', 'L']) Type(() => Number)(Sizes.prototype, size);
    class Order extends Sizes {}
    expectSame(Order, () => ({ S: '1', M: '2', L: '3' }));

    // A type function that chooses by the object being built, as class-transformer passes it.
    class Card {}
    class Cash {}
    class Payment {}
    Type((options) => ((options?.object as { method?: string }).method === 'card' ? Card : Cash))(Payment.prototype, 'details');
    expectSame(Payment, () => ({ method: 'card', details: { number: '4242' } }));

    // Instances whose constructor property has no prototype: class-transformer writes every key.
    class Detached {
      constructor() {
        Object.defineProperty(this, 'constructor', { value: {} });
      }
    }
    expectSame(Detached, () => ({ name: 'x', count: 2 }));

    // An array field whose design type is an Array subclass: class-transformer fills an instance of it.
    class Tags extends Array<string> {}
    class Post {}
    Reflect.defineMetadata('design:type', Tags, Post.prototype, 'tags');
    Type(() => String)(Post.prototype, 'tags');
    expectSame(Post, () => ({ tags: ['a', 1] }));

    class Plain {}
    // An array with an inherited element past its end: forEach stops at its length.
    const inherited = Object.assign(Object.create(Array.prototype) as object, { 2: 'inherited' });
    expectSame(Plain, () => ({ items: Object.setPrototypeOf([1, 2], inherited) as unknown[] }));
    // A Date is copied through its valueOf.
    expectSame(Plain, () => ({ at: Object.assign(new Date(0), { valueOf: () => 86_400_000 }) }));
    // A nested thenable becomes a promise.
    expectSame(Plain, () => ({ reply: { then: () => undefined } }));
    // A nested own "__proto__" key (as JSON.parse makes it) is skipped, never set as the prototype.
    expectSame(Plain, () => JSON.parse('{"meta": {"__proto__": {"admin": true}, "note": "x"}}') as object);
    // A Buffer where a class is declared stays a Buffer.
    class Upload {}
    Type(() => Line)(Upload.prototype, 'body');
    expectSame(Upload, () => ({ body: Buffer.from('hi') }));
  });

  it('lets an error thrown by a @Type function through, as plainToInstance does', () => {
    class Strict {}
    Type(() => {
      throw new RangeError('no type for this field');
    })(Strict.prototype, 'field');
    expect(() => compiledInstance(Strict, { field: {} })).toThrow(RangeError);
    expect(() => plainToInstance(Strict, { field: {} }, TRANSFORM_OPTIONS)).toThrow(RangeError);
  });

  it('builds a nested declared class when the global Buffer is undefined', () => {
    class Line {}
    Type(() => Date)(Line.prototype, 'at');
    class Delivery {}
    Type(() => Line)(Delivery.prototype, 'line');
    vi.stubGlobal('Buffer', undefined);
    try {
      const built = compiledInstance(Delivery as Ctor, { line: { at: '2026-01-02T03:04:05Z' } });
      if (built === NOT_COMPILED) throw new Error('handed over');
      expect(built.line).toBeInstanceOf(Line);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('is what X.from() uses, with the same result as plainToInstance for a class it hands over', () => {
    class Renamed extends Command<void> {
      declare readonly label: string;
    }
    IsString()(Renamed.prototype, 'label');
    Transform(({ value }) => `<${String(value)}>`)(Renamed.prototype, 'label');
    const built = Renamed.from({ label: 'a' } as never);
    expect(built.label).toBe('<a>');
  });
});
