import type { CheckedFilter, CheckedQuery } from '../../application/storage/adapter-checks';

/** The value at a dotted path; `undefined` when any step is missing. */
export function valueAt(document: unknown, path: readonly string[]): unknown {
  let value = document;
  for (const step of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}

/**
 * The equality-index key of a field value. Missing and null share one key (a missing field equals
 * null); objects and arrays get none (they never equal a filter value).
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

/** True when `document` satisfies `filter`. Range bounds compare numbers with numbers and strings with strings only. */
export function matches(document: unknown, filter: CheckedFilter): boolean {
  const value = valueAt(document, filter.path);
  if (filter.kind === 'eq') {
    const key = equalityKey(value);
    return key !== undefined && filter.values.some((v) => equalityKey(v) === key);
  }
  const { gt, gte, lt, lte } = filter.bounds;
  const holds = (bound: string | number | undefined, test: (a: string | number, b: string | number) => boolean): boolean =>
    bound === undefined || (typeof value === typeof bound && test(value as string | number, bound));
  return holds(gt, (a, b) => a > b) && holds(gte, (a, b) => a >= b) && holds(lt, (a, b) => a < b) && holds(lte, (a, b) => a <= b);
}

/**
 * Orders documents by the sort keys, then by ascending id. Ascending puts missing and null first,
 * then booleans, numbers, strings, and anything else; `desc` reverses that key only.
 */
export function compareDocuments(sort: CheckedQuery['sort']): (a: { id: string }, b: { id: string }) => number {
  return (a, b) => {
    for (const { path, descending } of sort) {
      const order = compareValues(valueAt(a, path), valueAt(b, path));
      if (order !== 0) return descending ? -order : order;
    }
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  };
}

function compareValues(a: unknown, b: unknown): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 0 || ra === 4) return 0;
  const x = a as string | number | boolean;
  const y = b as string | number | boolean;
  return x < y ? -1 : x > y ? 1 : 0;
}

function rank(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'boolean') return 1;
  if (typeof value === 'number') return 2;
  if (typeof value === 'string') return 3;
  return 4;
}
