import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cloneJson, jsonEqual } from '../../src/domain/shared/json';
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
