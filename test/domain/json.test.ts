import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cloneJson, isJsonValue, jsonEqual, MAX_JSON_DEPTH } from '../../src/domain/shared/json';
import { aTemplate } from './support/builders';
import { ctxAt } from './support/context';
import { given } from './support/given';

describe('cloneJson', () => {
  it('copies any JSON value deeply: equal to the original and to structuredClone, sharing no object', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const copy = cloneJson(value);
        expect(copy).toStrictEqual(structuredClone(value));
        expect(jsonEqual(copy, value)).toBe(true);
        const objects = (v: unknown, into: unknown[] = []): unknown[] => {
          if (typeof v === 'object' && v !== null) {
            into.push(v);
            for (const child of Object.values(v)) objects(child, into);
          }
          return into;
        };
        const originals = new Set(objects(value));
        for (const object of objects(copy)) expect(originals.has(object)).toBe(false);
      }),
    );
  });

  it('keeps a __proto__ key as an own property, never as the prototype', () => {
    const parsed = JSON.parse('{"a":{"__proto__":{"polluted":true},"b":1}}') as { a: Record<string, unknown> };
    const copy = cloneJson(parsed);
    expect(Object.getPrototypeOf(copy.a)).toBe(Object.prototype);
    expect(Object.hasOwn(copy.a, '__proto__')).toBe(true);
    expect((copy.a as { polluted?: unknown }).polluted).toBeUndefined();
    expect(copy).toStrictEqual(structuredClone(parsed));
  });

  it('copies a non-plain object (a Date) with structuredClone rather than as a plain object', () => {
    const at = new Date('2026-01-02T03:04:05.000Z');
    const copy = cloneJson({ at });
    expect(copy.at).toBeInstanceOf(Date);
    expect(copy.at).not.toBe(at);
    expect(copy.at.toISOString()).toBe(at.toISOString());
  });

  it('copies nested arrays element by element', () => {
    const copy = cloneJson([1, [2, { c: [3] }]]);
    expect(copy).toStrictEqual([1, [2, { c: [3] }]]);
  });
});

describe('jsonEqual', () => {
  it('tells apart values that differ in kind, length or keys, whichever side has more', () => {
    expect(jsonEqual({ b: [1, { c: 2 }], a: null }, { a: null, b: [1, { c: 2 }] })).toBe(true);
    const unequal: [unknown, unknown][] = [[[], {}], [{}, []], [[1], [1, 2]], [[1, 2], [1]], [{ a: 1 }, { a: 1, b: 2 }], [{ a: 1, b: 2 }, { a: 1 }], [{ a: 1 }, { b: 1 }], [1, '1'], [null, {}], [{}, null]];
    for (const [a, b] of unequal) expect(jsonEqual(a, b), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(false);
    // An own "__proto__" key (JSON.parse makes one) is not matched by the other side's prototype.
    expect(jsonEqual(JSON.parse('{"__proto__":{}}'), { y: 1 })).toBe(false);
  });

  it('lets a template update that removes a tag record the change', () => {
    const template = aTemplate({ instanceTags: { a: '1', b: '2' } });
    given(template).when((t) => t.update({ instanceTags: { a: '1' } }, ctxAt())).thenRecords('TemplateUpdated');
    expect(template.instanceTags).toEqual({ a: '1' });
  });
});

describe('isJsonValue', () => {
  /** `levels` arrays, each holding the next; the innermost is empty. */
  const nestedArrays = (levels: number): unknown => {
    let value: unknown = [];
    for (let i = 1; i < levels; i++) value = [value];
    return value;
  };

  it('takes null, booleans, empty arrays and objects, and refuses a container with one value that is not JSON', () => {
    for (const value of [null, true, false, [], {}, [1, 'a', null], { a: null, b: false }]) expect(isJsonValue(value), JSON.stringify(value)).toBe(true);
    for (const value of [[1, undefined], { a: 1, b: undefined }, [Number.NaN], { a: () => 1 }]) expect(isJsonValue(value)).toBe(false);
  });

  it(`takes ${MAX_JSON_DEPTH} levels of nesting and refuses one more, in arrays and in objects`, () => {
    expect(isJsonValue(nestedArrays(MAX_JSON_DEPTH))).toBe(true);
    expect(isJsonValue(nestedArrays(MAX_JSON_DEPTH + 1))).toBe(false);
    expect(isJsonValue({ a: nestedArrays(MAX_JSON_DEPTH - 1) })).toBe(true);
    expect(isJsonValue({ a: nestedArrays(MAX_JSON_DEPTH) })).toBe(false);
  });
});

describe('cloneJson, object by object', () => {
  it('copies an object met twice into two separate copies, in an array, a plain object and a null-prototype object', () => {
    const shared = { a: 1 };
    const inArray = cloneJson([shared, shared]);
    expect(inArray[0]).not.toBe(inArray[1]);
    const inObject = cloneJson({ p: shared, q: shared });
    expect(inObject.p).not.toBe(inObject.q);
    const bare = Object.create(null) as Record<string, unknown>;
    bare.p = shared;
    bare.q = shared;
    const copy = cloneJson(bare);
    expect(copy.p).not.toBe(copy.q);
    expect(copy.p).toEqual(shared);
  });

  it('copies a Date at the top level and in an array as a Date', () => {
    const at = new Date(Date.UTC(2026, 0, 2));
    expect(cloneJson(at)).toBeInstanceOf(Date);
    expect(cloneJson(at).getTime()).toBe(at.getTime());
    expect(cloneJson([at])[0]).toBeInstanceOf(Date);
  });

  it('keeps a copied __proto__ key enumerable, writable and configurable', () => {
    const copy = cloneJson(JSON.parse('{"__proto__": {"x": 1}}') as Record<string, unknown>);
    expect(Object.getOwnPropertyDescriptor(copy, '__proto__')).toStrictEqual({ value: { x: 1 }, enumerable: true, writable: true, configurable: true });
  });
});

describe('jsonEqual, kind against kind', () => {
  it('tells a number from an object, whichever side it is on', () => {
    expect(jsonEqual(1, {})).toBe(false);
    expect(jsonEqual({}, 1)).toBe(false);
    expect(jsonEqual('a', ['a'])).toBe(false);
  });
});
