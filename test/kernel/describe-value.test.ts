import { describe, expect, it } from 'vitest';
import { describeValue } from '../../src/kernel';

describe('describeValue', () => {
  it('names each kind of value by kind and size, never by content', () => {
    const secret = 'hunter2-SECRET';
    const cases: [unknown, string][] = [
      [undefined, 'nothing'],
      [null, 'null'],
      ['', 'an empty string'],
      ['x', 'a string of 1 character'],
      [secret, 'a string of 14 characters'],
      [42, 'an integer'],
      [1.5, 'a fractional number'],
      [Number.NaN, 'NaN'],
      [Number.POSITIVE_INFINITY, 'an infinite number'],
      [true, 'a boolean'],
      [10n, 'a bigint'],
      [[secret], 'an array of 1 item'],
      [[1, 2, 3], 'an array of 3 items'],
      [{ password: secret }, 'an object with 1 key'],
      [Object.create(null) as object, 'an object with 0 keys'],
      [new Date(0), 'a date'],
      [Symbol.for(secret), 'a symbol'],
      [() => secret, 'a function'],
    ];
    for (const [value, expected] of cases) {
      expect(describeValue(value)).toBe(expected);
      expect(describeValue(value)).not.toContain('hunter2');
    }
  });

  it('answers cyclic and deeply nested values without walking them', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(describeValue(cyclic)).toBe('an object with 1 key');
    expect(describeValue(deep)).toBe('an array of 1 item');
  });
});
