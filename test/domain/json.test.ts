import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cloneJson, jsonEqual } from '../../src/domain/shared/json';

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
