/*
 * The read-model query semantics every storage adapter must keep (docs/ports.md, "ReadModelStore"),
 * as code: an adapter that queries in memory uses these directly; one that compiles queries to SQL
 * or another engine's language checks itself against them (the storage contract does).
 */
import type { CheckedFilter, CheckedQuery } from './adapter-checks';

/** The value at a dotted path (`['machine', 'status']`); `undefined` when any step is missing. */
export function valueAt(document: unknown, path: readonly string[]): unknown {
  let value = document;
  for (const step of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}

/**
 * The equality key of a field value, for `eq`/`in` filters and equality indexes: a missing field and
 * `null` share one key; a string never equals a number or boolean (`'1'` is not `1`); objects and
 * arrays get none (they never equal a filter value).
 */
export function equalityKey(value: unknown): string | undefined {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return `s:${value}`;
    case 'number':
      return `n:${value}`;
    case 'boolean':
      return `b:${value}`;
    default:
      return undefined;
  }
}

/**
 * Compares two strings by Unicode code point, the order of UTF-8 bytes: PostgreSQL's `COLLATE "C"` and
 * SQLite's `BINARY`. JavaScript's `<` compares UTF-16 code units instead, which puts U+1F600 before
 * U+FFFF; this never does.
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Only a surrogate (U+D800–U+DFFF) against a unit above it (U+E000–U+FFFF) orders differently
    // by code point: the surrogate starts a character beyond U+FFFF.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys && Math.max(x, y) >= 0xe000) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/**
 * True when `document` satisfies `filter` (from `checkReadModelQuery`). Equality as
 * {@link equalityKey}; range bounds compare numbers with numbers and strings with strings (by code
 * point) only, and never match a missing field, null, a boolean, an object or an array.
 */
export function matchesReadModelFilter(document: unknown, filter: CheckedFilter): boolean {
  const value = valueAt(document, filter.path);
  if (filter.kind === 'eq') {
    const key = equalityKey(value);
    return key !== undefined && filter.values.some((v) => equalityKey(v) === key);
  }
  const { gt, gte, lt, lte } = filter.bounds;
  const holds = (bound: string | number | undefined, test: (order: number) => boolean): boolean =>
    bound === undefined || (typeof value === typeof bound && test(compareScalars(value as string | number, bound)));
  return holds(gt, (o) => o > 0) && holds(gte, (o) => o >= 0) && holds(lt, (o) => o < 0) && holds(lte, (o) => o <= 0);
}

/**
 * The order of two field values in an ascending sort: missing and `null` first (equal to each other),
 * then `false` before `true`, then numbers by value, then strings by code point
 * ({@link compareCodePoints}), then objects and arrays (equal to each other). `desc` reverses it.
 */
export function compareReadModelValues(a: unknown, b: unknown): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 0 || ra === 4) return 0;
  return compareScalars(a as string | number | boolean, b as string | number | boolean);
}

/**
 * Orders documents by the sort keys (from `checkReadModelQuery`), each by
 * {@link compareReadModelValues} and reversed when descending, then by ascending id (by code point):
 * never by insertion order.
 */
export function compareReadModelDocuments(sort: CheckedQuery['sort']): (a: { id: string }, b: { id: string }) => number {
  return (a, b) => {
    for (const { path, descending } of sort) {
      const order = compareReadModelValues(valueAt(a, path), valueAt(b, path));
      if (order !== 0) return descending ? -order : order;
    }
    return compareCodePoints(a.id, b.id);
  };
}

function compareScalars(x: string | number | boolean, y: string | number | boolean): number {
  if (typeof x === 'string' && typeof y === 'string') return compareCodePoints(x, y);
  return x < y ? -1 : x > y ? 1 : 0;
}

function rank(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'boolean') return 1;
  if (typeof value === 'number') return 2;
  if (typeof value === 'string') return 3;
  return 4;
}
