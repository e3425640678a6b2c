import type { ReadModelFilter, ReadModelQuery } from '../../application/storage/read-model-store';
import { ValidationError, type ValidationIssue } from '../../kernel/errors';

/** Default and bounds of `ReadModelQuery.limit`. */
export const DEFAULT_QUERY_LIMIT = 50;
export const MAX_QUERY_LIMIT = 1000;

type Scalar = string | number | boolean | null;

/** A query after validation: limit and offset filled in, paths split. */
export interface CheckedQuery {
  readonly filters: readonly CheckedFilter[];
  readonly sort: readonly { readonly path: readonly string[]; readonly descending: boolean }[];
  readonly limit: number;
  readonly offset: number;
}

/** One validated filter. */
export type CheckedFilter =
  | { readonly kind: 'eq'; readonly field: string; readonly path: readonly string[]; readonly values: readonly Scalar[] }
  | { readonly kind: 'range'; readonly path: readonly string[]; readonly bounds: RangeBounds };

interface RangeBounds {
  readonly gt?: string | number;
  readonly gte?: string | number;
  readonly lt?: string | number;
  readonly lte?: string | number;
}

/** Validates `query` (VALIDATION_FAILED naming every bad field: `limit`, `offset`, `filters[i]`, `sort[i]`). */
export function checkQuery(query: ReadModelQuery): CheckedQuery {
  const issues: ValidationIssue[] = [];
  const limit = query.limit ?? DEFAULT_QUERY_LIMIT;
  const offset = query.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
    issues.push({ path: 'limit', constraint: 'range', message: `limit must be an integer from 1 to ${MAX_QUERY_LIMIT}, got ${String(limit)}` });
  }
  if (!Number.isInteger(offset) || offset < 0) {
    issues.push({ path: 'offset', constraint: 'min', message: `offset must be an integer >= 0, got ${String(offset)}` });
  }
  const filters: CheckedFilter[] = [];
  (query.filters ?? []).forEach((filter, i) => {
    const checked = checkFilter(filter, `filters[${i}]`, issues);
    if (checked !== undefined) filters.push(checked);
  });
  const sort = (query.sort ?? []).map((key, i) => {
    if (!isField(key.field)) issues.push({ path: `sort[${i}].field`, constraint: 'isNotEmpty', message: 'must be a field path such as `status` or `machine.status`' });
    if (key.direction !== 'asc' && key.direction !== 'desc') {
      issues.push({ path: `sort[${i}].direction`, constraint: 'isIn', message: `must be "asc" or "desc", got ${String(key.direction)}` });
    }
    return { path: splitPath(key.field), descending: key.direction === 'desc' };
  });
  if (issues.length > 0) throw new ValidationError('read-model query', issues);
  return { filters, sort, limit, offset };
}

function checkFilter(filter: ReadModelFilter, at: string, issues: ValidationIssue[]): CheckedFilter | undefined {
  if (!isField(filter.field)) {
    issues.push({ path: `${at}.field`, constraint: 'isNotEmpty', message: 'must be a field path such as `status` or `machine.status`' });
    return undefined;
  }
  const path = splitPath(filter.field);
  if ('eq' in filter) return { kind: 'eq', field: filter.field, path, values: [filter.eq] };
  if ('in' in filter) {
    if (!Array.isArray(filter.in)) {
      issues.push({ path: `${at}.in`, constraint: 'isArray', message: 'must be an array of values' });
      return undefined;
    }
    return { kind: 'eq', field: filter.field, path, values: filter.in };
  }
  const bounds: RangeBounds = filter;
  const ops = (['gt', 'gte', 'lt', 'lte'] as const).filter((op) => bounds[op] !== undefined);
  if (ops.length === 0) {
    issues.push({ path: at, constraint: 'hasOperator', message: 'a filter needs one of eq, in, gt, gte, lt or lte' });
    return undefined;
  }
  return { kind: 'range', path, bounds };
}

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

function isField(field: unknown): field is string {
  return typeof field === 'string' && field !== '' && field.split('.').every((step) => step !== '');
}

function splitPath(field: string): string[] {
  return typeof field === 'string' ? field.split('.') : [];
}
