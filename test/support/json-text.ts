import fc from 'fast-check';

/**
 * JSON text built from `scalar` texts and `key` names: arrays of at most `items` values and objects
 * of at most `entries` members, nested to fast-check's small depth. Parsed, a `__proto__` key becomes
 * an own key, as it does in real input.
 */
export function jsonTextOf(scalar: fc.Arbitrary<string>, key: fc.Arbitrary<string>, max: { items: number; entries: number }): fc.Arbitrary<string> {
  const { value } = fc.letrec<{ value: string }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      scalar,
      fc.array(tie('value'), { maxLength: max.items }).map((items) => `[${items.join(',')}]`),
      fc.array(fc.tuple(key, tie('value')), { maxLength: max.entries }).map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
    ),
  }));
  return value;
}
