import fc from 'fast-check';
import { jsonTextOf } from '../support/json-text';

/*
 * Inputs for the differential validation test, in the shapes of test/reliability/hostile-input:
 * hostile JSON text (parsed, so `__proto__` and friends become own keys), prototype-reaching and
 * inherited-name keys, numbers at the edges, lone surrogates, strings of surrogate pairs and
 * variation selectors next to every length bound, deep and wide values; and values no
 * JSON parser makes, set on an instance directly.
 */

/** A valid input object, to be edited. */
export type Sample = Record<string, unknown>;

const nastyScalarText = fc.constantFrom(
  '1e309', '-1e309', '-0', '9007199254740993', '1e-400', '0', '1', '-1', '1.5', '3', '10', '100', '101',
  'true', 'false', 'null', '""', '" "', '"3"', '"NaN"', '"0x10"', '"\\u0000"', '"\\ud800"', '"🖥️"', '"e\\u0301"',
  '"__proto__"', '"constructor"', '"$value $property $constraint1"', '"AB-12"', '"AB-"', '"xy"', '"abcdefghi"',
  '"web"', '"shop"', '"small"', '"i-1"', '"req-1"', '"running"', '"failed"', '{}', '[]', '[{}]', '["a"]', '[1,2]',
);

/**
 * Pieces whose UTF-16 length differs from what class-validator's `isLength` counts (a surrogate pair
 * or a character with a variation selector counts once), next to plain ones and lone halves.
 */
const LENGTH_PIECES = ['a', 'a', 'a', '\u{1F600}', 'a\uFE0F', '\u{1F5A5}\uFE0F', '\uFE0E', '\uFE0F', 'e\u0301', '\uD800', '\uDC00'];
/** The length bounds of the fixtures and of the library's messages (MinLength/MaxLength). */
const LENGTH_BOUNDS = [1, 2, 5, 8, 64, 200, 256, 1000];

/**
 * JSON strings one piece short of, exactly at, or one past a length bound, repeating a pattern of
 * uneven pieces: where a rule counting UTF-16 units instead of `isLength`'s units answers otherwise.
 */
const nearLengthBound = fc
  .tuple(fc.constantFrom(...LENGTH_BOUNDS), fc.constantFrom(-1, 0, 1), fc.array(fc.constantFrom(...LENGTH_PIECES), { minLength: 1, maxLength: 4 }))
  .map(([bound, delta, pattern]) => JSON.stringify(Array.from({ length: Math.max(0, bound + delta) }, (_, i) => pattern[i % pattern.length]).join('')));

const scalarText = fc.oneof(
  { weight: 6, arbitrary: nastyScalarText },
  { weight: 3, arbitrary: nearLengthBound },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }).map((s) => JSON.stringify(s)) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)) },
  { weight: 1, arbitrary: fc.integer({ min: -5, max: 200 }).map(String) },
);

function keyText(keys: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...keys, 'code', 'alias', 'weight', 'machineId', 'name') },
    { weight: 2, arbitrary: fc.constantFrom('toString', 'hasOwnProperty', 'valueOf', 'isAdmin', '', '0', '__proto__', 'constructor') },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
  );
}

function jsonText(keys: readonly string[]): fc.Arbitrary<string> {
  return jsonTextOf(scalarText, keyText(keys), { items: 4, entries: 4 });
}

/** Paths of the objects inside `sample`: the top, nested objects, array items. */
function objectPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [path, ...entries.flatMap(([k, v]) => objectPaths(v, [...path, k]))];
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  const current = Object.getOwnPropertyDescriptor(target, key);
  if (current !== undefined && current.configurable === false) return;
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** `sample` with one to four edits: a key (declared, hostile or random) set to hostile JSON, or deleted, at any depth. */
export function hostileEdits(sample: Sample, keys: readonly string[]): fc.Arbitrary<unknown> {
  const paths = objectPaths(sample);
  const edit = fc.record({
    kind: fc.constantFrom('set', 'set', 'delete'),
    at: fc.nat({ max: paths.length - 1 }),
    key: keyText([...keys, ...Object.keys(sample)]),
    // A string next to a length bound straight on a key, as well as anywhere inside hostile JSON.
    value: fc.oneof({ weight: 3, arbitrary: jsonText(keys) }, { weight: 1, arbitrary: nearLengthBound }),
  });
  return fc.array(edit, { minLength: 1, maxLength: 4 }).map((edits) => {
    const input = structuredClone(sample);
    for (const { kind, at, key, value } of edits) {
      let node: unknown = input;
      for (const step of paths[at] ?? []) node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[step] : undefined;
      if (typeof node !== 'object' || node === null) continue;
      if (kind === 'delete') delete (node as Record<string, unknown>)[key];
      else setOwn(node as Record<string, unknown>, key, JSON.parse(value) as unknown);
    }
    return input;
  });
}

/** Values no JSON parser makes: BigInt, boxed values, Dates, Maps, Sets, null prototypes, sparse and typed arrays, cycles. */
export const jsValue = fc
  .tuple(
    fc.anything({
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true,
      maxDepth: 3,
    }),
    fc.boolean(),
  )
  .map(([value, cyclic]) => {
    if (cyclic && typeof value === 'object' && value !== null && Object.isExtensible(value)) setOwn(value as Record<string, unknown>, 'self', value);
    return value;
  });
