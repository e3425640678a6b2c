import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import {
  Equals,
  getMetadataStorage,
  IsIn,
  IsString,
  maxLength,
  MinLength,
  minLength,
  registerDecorator,
  ValidateIf,
  Validate,
  ValidateNested,
  ValidatorConstraint,
  validateSync,
  type ValidatorConstraintInterface,
} from 'class-validator';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as library from '../reliability/library';
import { Command, commandHandler, createKernel, Query, ValidationError } from '../../src/kernel';
import { validateCompiled, type ErrorNode } from '../../src/kernel/validation/compiled';
import { TRANSFORM_OPTIONS } from '../../src/kernel/message';
import { inspectPlain, toIssues, VALIDATOR_OPTIONS } from '../../src/kernel/validation/validate';
import { hasPlan, planOf } from '../../src/kernel/validation/plan';
import { specialise } from '../../src/kernel/validation/rules';
import { hostileEdits, jsValue, type Sample } from './validation-inputs';
import { Order, Part, VALIDATION_FIXTURES } from './validation-fixtures';

type Nodes = readonly ErrorNode[] | undefined;

/** A comparable text for an error tree (constraint order and undefined messages kept), or the kind of error thrown. */
function outcome(run: () => Nodes): string {
  const shape = (nodes: Nodes): unknown[] =>
    (nodes ?? []).map((n) => ({ property: n.property, constraints: n.constraints ?? null, children: shape(n.children) }));
  try {
    return JSON.stringify(shape(run()), (_, v: unknown) => (v === undefined ? '<undefined>' : v));
  } catch (error) {
    // class-validator crashes on some values (a Map keyed by a null-prototype object): so must the plan.
    return `throws ${(error as Error).name}`;
  }
}

const compiled = (instance: object) => outcome(() => validateCompiled(instance, VALIDATOR_OPTIONS));
const reference = (instance: object) => outcome(() => validateSync(instance, VALIDATOR_OPTIONS) as unknown as ErrorNode[]);

interface Tally {
  valid: number;
  invalid: number;
}

/** Builds the instance `from()` would validate (or nothing, when the input gate rejects it first) and compares both validators. */
function compareFromPlain(type: new () => object, plain: unknown, tally: Tally): void {
  if (inspectPlain(plain).length > 0) return;
  const instance = plainToInstance(type, plain, TRANSFORM_OPTIONS) as object;
  const expected = reference(instance);
  expect(compiled(instance)).toBe(expected);
  if (expected === '[]') tally.valid++;
  else tally.invalid++;
  // Through the surface: from() reports the issues class-validator's tree gives.
  const issues = (() => {
    try {
      (type as unknown as { from(p: unknown): unknown }).from(plain);
      return [];
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return error.issues;
    }
  })();
  const fromReference = toIssues(validateSync(plainToInstance(type, plain, TRANSFORM_OPTIONS) as object, VALIDATOR_OPTIONS) as unknown as ErrorNode[]);
  expect(issues).toEqual(fromReference);
}

type MessageType = (new () => object) & { name: string };
const isMessageClass = (value: unknown): value is MessageType =>
  typeof value === 'function' && value !== Command && value !== Query && (value.prototype instanceof Command || value.prototype instanceof Query);
const LIBRARY_MESSAGES = Object.values(library as Record<string, unknown>).filter(isMessageClass);

function declaredKeys(type: Function): string[] {
  return [...new Set(getMetadataStorage().getTargetValidationMetadatas(type, '', false, false).map((m) => m.propertyName))];
}

describe('compiled validation', () => {
  describe('gives the verdict, paths and messages class-validator gives', () => {
    for (const { type, sample } of VALIDATION_FIXTURES) {
      it(`on hostile JSON edits of a valid ${type.name}`, () => {
        const tally: Tally = { valid: 0, invalid: 0 };
        compareFromPlain(type, structuredClone(sample), tally);
        fc.assert(
          fc.property(hostileEdits(sample as Sample, declaredKeys(type)), (plain) => compareFromPlain(type, plain, tally)),
          { numRuns: 600, seed: 19_2026 },
        );
        expect(tally.valid).toBeGreaterThan(0);
        expect(tally.invalid).toBeGreaterThan(100);
      });

      it(`on values no JSON parser makes, set on a ${type.name} directly (Maps, Sets, cycles, null prototypes, functions)`, () => {
        const keys = [...declaredKeys(type), 'extra', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf'];
        fc.assert(
          fc.property(fc.dictionary(fc.constantFrom(...keys), jsValue, { maxKeys: 5 }), (fields) => {
            const instance = Object.assign(plainToInstance(type as new () => object, structuredClone(sample)), fields);
            expect(compiled(instance)).toBe(reference(instance));
          }),
          { numRuns: 300, seed: 19_2027 },
        );
      });
    }

    it(`on hostile JSON edits of each of the library's ${LIBRARY_MESSAGES.length} message classes`, () => {
      expect(LIBRARY_MESSAGES.length).toBeGreaterThanOrEqual(21);
      const tally: Tally = { valid: 0, invalid: 0 };
      for (const type of LIBRARY_MESSAGES) {
        const keys = declaredKeys(type);
        fc.assert(
          fc.property(hostileEdits({}, keys), (plain) => compareFromPlain(type, plain, tally)),
          { numRuns: 80, seed: 19_2028 },
        );
      }
      expect(tally.valid).toBeGreaterThan(0);
      expect(tally.invalid).toBeGreaterThan(0);
    });
  });

  it("compiles every message class of the library (no silent fallback to class-validator)", () => {
    const decorated = Object.values(library as Record<string, unknown>).filter(
      (value): value is Function => typeof value === 'function' && declaredKeys(value).length > 0,
    );
    expect(decorated.length).toBeGreaterThan(LIBRARY_MESSAGES.length);
    for (const type of [...decorated, Part, Order]) {
      const plan = planOf(type);
      expect(plan.kind === 'fallback' ? `${type.name}: ${plan.reason}` : 'compiled').toBe('compiled');
    }
  });

  it('reports every extra key of a very wide nested object (more than a spread can pass)', () => {
    const wide = Object.fromEntries(Array.from({ length: 150_000 }, (_, i) => [`k${i}`, i]));
    // Built directly: class-transformer takes minutes over 150,000 keys.
    const instance = plainToInstance(Order, VALIDATION_FIXTURES[0].sample, TRANSFORM_OPTIONS);
    instance.main = Object.assign(new Part(), { code: 'ab' }, wide);
    const nodes = validateCompiled(instance, VALIDATOR_OPTIONS);
    expect(nodes?.[0]?.children).toHaveLength(150_000);
    expect(compiled(instance)).toBe(reference(instance));
  });

  describe('direct tests for the hottest built-ins', () => {
    it('replace the constraint call for single values', () => {
      const plan = planOf(Order);
      if (plan.kind !== 'compiled') throw new Error(plan.reason);
      const direct = Object.fromEntries(plan.properties.map((p) => [p.name, p.rules.filter((r) => r.test !== undefined).map((r) => r.type)]));
      expect(direct).toMatchObject({ sku: ['isString'], quantity: ['max', 'min', 'isInt'], channel: ['isIn'], gift: ['isBoolean'], tags: ['isObject'], notes: ['isArray'] });
      const part = planOf(Part);
      if (part.kind !== 'compiled') throw new Error(part.reason);
      expect(part.properties.find((p) => p.name === 'code')?.rules.filter((r) => r.test !== undefined).map((r) => r.type)).toEqual(['maxLength', 'minLength', 'isString']);
      // The short path: only for properties checked by direct tests alone.
      const shortPath = (properties: typeof part.properties) => Object.fromEntries(properties.map((p) => [p.name, p.tests?.length ?? 'general']));
      expect(shortPath(part.properties)).toEqual({ code: 3, weight: 'general', alias: 'general' });
      expect(shortPath(plan.properties)).toMatchObject({ sku: 'general', quantity: 3, channel: 1, gift: 'general' });
    });

    it('count a string as class-validator\'s minLength and maxLength do (surrogate pairs and variation selectors count once)', () => {
      // Strings dense in what validator's isLength counts specially, and any UTF-16 string.
      const tricky = fc.array(fc.constantFrom('a', '\uD83D', '\uDE00', '\uD83D\uDE00', '\uFE0F', '\uFE0E', '\uD800'), { maxLength: 10 }).map((parts) => parts.join(''));
      const text = fc.oneof(tricky, fc.string({ unit: 'binary', maxLength: 12 }));
      fc.assert(
        fc.property(text, fc.integer({ min: 0, max: 8 }), (value, bound) => {
          const atLeast = specialise('minLength', [bound], (v) => minLength(v, bound));
          const atMost = specialise('maxLength', [bound], (v) => maxLength(v, bound));
          expect(atLeast?.(value)).toBe(minLength(value, bound));
          expect(atMost?.(value)).toBe(maxLength(value, bound));
        }),
        { numRuns: 2000 },
      );
    });

    it('are not used for a rule that only borrows a built-in name and answers otherwise', () => {
      class Borrowed extends Command<void> {
        label!: string;
      }
      registerDecorator({ name: 'isString', target: Borrowed, propertyName: 'label', validator: { validate: (v: unknown) => v === 'only', defaultMessage: () => '$property must be "only"' } });
      const plan = planOf(Borrowed);
      if (plan.kind !== 'compiled') throw new Error(plan.reason);
      expect(plan.properties[0]?.rules[0]?.test).toBeUndefined();
      for (const label of ['only', 'other', 1]) {
        const instance = Object.assign(new Borrowed(), { label });
        expect(compiled(instance)).toBe(reference(instance));
      }
      expect(() => Borrowed.from({ label: 'other' })).toThrow('label must be "only"');
    });
  });

  describe('answers as class-validator does at the edges of a rule', () => {
    /**
     * The issues `type.from(plain)` throws, as `path constraint: message`, or 'valid'; asked twice, so that
     * a class's first validation (class-validator's) and its plan's answer the same.
     */
    const issues = (type: { from(plain: unknown): unknown }, plain: unknown) => {
      const attempt = () => {
        try {
          type.from(plain);
          return 'valid';
        } catch (error) {
          return (error as ValidationError).issues.map((i) => `${i.path} ${i.constraint}: ${i.message}`);
        }
      };
      const first = attempt();
      expect(hasPlan(type as unknown as Function) ? first : attempt()).toEqual(first);
      expect(hasPlan(type as unknown as Function)).toBe(true);
      return first;
    };
    const same = (instance: object) => expect(compiled(instance)).toBe(reference(instance));

    it('lets an each rule pass when an item’s answer is a promise, which validateSync never awaits, and only then', () => {
      class Shelf extends Command<void> {
        items!: unknown[];
      }
      const validate = (v: unknown) => (v === 'later' ? Promise.resolve(false) : v) as boolean;
      registerDecorator({ name: 'isString', target: Shelf, propertyName: 'items', options: { each: true }, validator: { validate, defaultMessage: () => '$property must be filled' } });
      expect(planOf(Shelf).kind).toBe('compiled');
      expect(issues(Shelf, { items: ['later', 0] })).toBe('valid');
      // An answer that is an object but no promise is a plain truthy answer: the falsy item still fails.
      expect(issues(Shelf, { items: [{ then: 'not a function' }, 0] })).toEqual(['items isString: items must be filled']);
      for (const items of [['later', 0], [{ then: 'not a function' }, 0], [{}, 1]]) same(Object.assign(new Shelf(), { items }));
    });

    it('runs a rule with its own validateIf only when that answers true', () => {
      class Rename extends Command<void> {
        @MinLength(3, { validateIf: (o: { strict?: boolean }) => o.strict === true })
        name!: string;

        @IsIn([true, false])
        strict!: boolean;
      }
      expect(issues(Rename, { name: 'ab', strict: false })).toBe('valid');
      expect(issues(Rename, { name: 'ab', strict: true })).toEqual(['name minLength: name must be longer than or equal to 3 characters']);
      for (const strict of [true, false]) same(Object.assign(new Rename(), { name: 'ab', strict }));
    });

    it('gives an empty message for a rule without a message or a default one', () => {
      @ValidatorConstraint({ name: 'isString' })
      class OnlyOk implements ValidatorConstraintInterface {
        validate(value: unknown): boolean {
          return value === 'ok';
        }
      }
      class Mute extends Command<void> {
        word!: string;
      }
      registerDecorator({ name: 'isString', target: Mute, propertyName: 'word', validator: OnlyOk });
      expect(planOf(Mute).kind).toBe('compiled');
      expect(issues(Mute, { word: 'no' })).toEqual(['word isString: ']);
      same(Object.assign(new Mute(), { word: 'no' }));
    });

    it('gives an empty message for nested validation of a primitive when its metadata has no message', () => {
      class Crate extends Command<void> {
        @ValidateNested()
        content!: unknown;
      }
      // ValidateNested always sets a message; metadata added to class-validator's storage by other means may have none.
      const [nested] = getMetadataStorage().getTargetValidationMetadatas(Crate, '', false, false);
      if (nested === undefined) throw new Error('expected the ValidateNested metadata');
      nested.message = undefined as never;
      expect(planOf(Crate).kind).toBe('compiled');
      expect(issues(Crate, { content: 5 })).toEqual(['content nestedValidation: ']);
      same(Object.assign(new Crate(), { content: 5 }));
    });

    it('fills every $constraint1 of a message, not only the first', () => {
      class Name extends Command<void> {
        @MinLength(3, { message: '$property needs $constraint1 characters (at least $constraint1)' })
        text!: string;
      }
      expect(issues(Name, { text: 'ab' })).toEqual(['text minLength: text needs 3 characters (at least 3)']);
    });

    it('fills $value with a string, a boolean or a number, and leaves it for anything else', () => {
      class Pick extends Command<void> {
        @IsIn(['a', 'b'], { message: '$value is not one of $constraint1' })
        choice!: unknown;
      }
      const messages = ['c', true, 5, null, [1], { k: 1 }].map((choice) => issues(Pick, { choice }));
      expect(messages).toEqual([
        ['choice isIn: c is not one of a, b'],
        ['choice isIn: true is not one of a, b'],
        ['choice isIn: 5 is not one of a, b'],
        ['choice isIn: $value is not one of a, b'],
        ['choice isIn: $value is not one of a, b'],
        ['choice isIn: $value is not one of a, b'],
      ]);
      same(Object.assign(new Pick(), { choice: undefined }));
    });

    it('keeps a message that a function answered with nothing, or that is neither text nor a function, as no message', () => {
      class Odd extends Command<void> {
        @IsString({ message: () => undefined as never })
        first!: unknown;

        @IsIn(['a'], { message: 42 as never })
        second!: unknown;
      }
      const instance = Object.assign(new Odd(), { first: 5, second: 'b' });
      expect(validateCompiled(instance, VALIDATOR_OPTIONS)).toEqual([
        { property: 'first', children: [], constraints: { isString: undefined } },
        { property: 'second', children: [], constraints: { isIn: undefined } },
      ]);
      same(instance);
    });

    it('refuses a value whose rule’s message function answers nothing, on the first validation and on the compiled ones (regression)', () => {
      class Quiet extends Command<void> {
        @IsString({ message: () => undefined as never })
        name!: unknown;
      }
      // The first validation goes to class-validator, the next ones run the plan.
      for (let i = 0; i < 3; i++) expect(issues(Quiet, { name: 5 })).toEqual(['name isString: ']);
      expect(issues(Quiet, { name: 'q' })).toBe('valid');
    });

    it('names a symbol constraint by its description', () => {
      const BLUE = Symbol('blue');
      class Paint extends Command<void> {
        @Equals(BLUE)
        colour!: unknown;
      }
      expect(issues(Paint, { colour: 'red' })).toEqual(['colour equals: colour must be equal to blue']);
      same(Object.assign(new Paint(), { colour: 'red' }));
    });
  });

  describe('falls back to class-validator for what it cannot compile', () => {
    @ValidatorConstraint({ name: 'evenNumber' })
    class EvenNumber implements ValidatorConstraintInterface {
      validate(value: unknown): boolean {
        return typeof value === 'number' && value % 2 === 0;
      }
      defaultMessage(): string {
        return '$property must be even';
      }
    }
    class Pair extends Command<void> {
      @Validate(EvenNumber)
      size!: number;

      @IsString()
      label!: string;
    }
    class Box extends Command<void> {
      @IsString()
      name!: string;
    }
    registerDecorator({ name: 'startsWithB', target: Box, propertyName: 'name', validator: { validate: (v: unknown) => String(v).startsWith('B'), defaultMessage: () => '$property must start with B' } });

    it('names the rule it cannot compile', () => {
      expect(planOf(Pair)).toEqual({ kind: 'fallback', reason: 'Pair.size: rule "evenNumber" is a custom constraint' });
      expect(planOf(Box)).toEqual({ kind: 'fallback', reason: 'Box.name: rule "startsWithB" is a custom constraint' });
    });

    it('validates such a class exactly as class-validator does', () => {
      const issues = (plain: unknown, type: { from(plain: unknown): unknown }) => {
        try {
          type.from(plain);
          return 'valid';
        } catch (error) {
          return (error as ValidationError).issues.map((i) => `${i.path} ${i.constraint}: ${i.message}`);
        }
      };
      expect(issues({ size: 2, label: 'x' }, Pair)).toBe('valid');
      expect(issues({ size: 3, label: 1, extra: 0 }, Pair)).toEqual([
        'extra whitelistValidation: extra is not an accepted field; remove it',
        'size evenNumber: size must be even',
        'label isString: label must be a string',
      ]);
      expect(issues({ name: 'Bob' }, Box)).toBe('valid');
      expect(issues({ name: 'Al' }, Box)).toEqual(['name startsWithB: name must start with B']);
      for (const plain of [{ size: 4, label: 'y' }, { size: '4' }, {}]) {
        const instance = plainToInstance(Pair, plain);
        expect(compiled(instance)).toBe(reference(instance));
      }
    });
  });

  describe('the first validation of a class', () => {
    it('goes to class-validator with the same verdict, and the second builds the plan', () => {
      class Rename extends Command<void> {
        @IsString() name!: string;
      }
      const issues = (plain: unknown) => {
        try {
          Rename.from(plain);
          return 'valid';
        } catch (error) {
          return (error as ValidationError).issues.map((i) => `${i.path} ${i.constraint}: ${i.message}`);
        }
      };
      const first = issues({ name: 5, extra: true });
      expect(hasPlan(Rename)).toBe(false);
      expect(issues({ name: 5, extra: true })).toEqual(first);
      expect(hasPlan(Rename)).toBe(true);
      expect(first).toEqual(['extra whitelistValidation: extra is not an accepted field; remove it', 'name isString: name must be a string']);
      expect(issues({ name: 'x' })).toBe('valid');
    });
  });

  describe('a message built by from()', () => {
    let checks = 0;
    class Ping extends Command<string> {
      @ValidateIf(() => (checks++, true))
      @IsString()
      text!: string;
    }
    class PingHandler {
      async handle(ping: Ping): Promise<string> {
        return ping.text;
      }
    }
    commandHandler(Ping)(PingHandler);

    it('is validated once: the validation middleware does not validate it again', async () => {
      const kernel = createKernel({ handlers: [PingHandler] });
      checks = 0;
      const ping = Ping.from({ text: 'hi' });
      expect(checks).toBe(1);
      await expect(kernel.commands.execute(ping)).resolves.toBe('hi');
      expect(checks).toBe(1);
      // One made with `new` (not frozen, so it may still change) is validated on every dispatch.
      const made = Object.assign(new Ping(), { text: 'yo' });
      await kernel.commands.execute(made);
      await kernel.commands.execute(made);
      expect(checks).toBe(3);
      made.text = 7 as never;
      await expect(kernel.commands.execute(made)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      kernel.dispose();
    });

    it('is validated when made without the constructor (no from() mark to trust)', () => {
      const bare = Object.assign(Object.create(Ping.prototype) as Ping, { text: 1 });
      expect(() => bare.validate()).toThrow(ValidationError);
    });
  });
});
