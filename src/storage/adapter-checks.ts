import { ValidationError, type ValidationIssue } from '../kernel/errors';
import type { ReadModelDocument, ReadModelFilter, ReadModelQuery } from './read-model-store';

/*
 * Argument checks every storage adapter applies the same way, so that the in-memory adapter, the
 * examples and a host's own adapter reject the same calls with the same VALIDATION_FAILED issues.
 */

/** Default `ReadModelQuery.limit`. */
export const DEFAULT_QUERY_LIMIT = 50;
/** Largest `ReadModelQuery.limit`. */
export const MAX_QUERY_LIMIT = 1000;

/** A value a filter compares with. */
export type Scalar = string | number | boolean | null;

/** A read-model query after validation: limit and offset filled in, field paths split. */
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

/** The bounds of a range filter. */
export interface RangeBounds {
  readonly gt?: string | number;
  readonly gte?: string | number;
  readonly lt?: string | number;
  readonly lte?: string | number;
}

/**
 * Validates a read-model query by the port's rules and normalises it; throws VALIDATION_FAILED
 * naming every bad field (`limit`, `offset`, `filters[i]`, `sort[i]`). Adapters compile the result.
 */
export function checkReadModelQuery(query: ReadModelQuery): CheckedQuery {
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

/**
 * Checks the arguments of a repository save: `expectedVersion` an integer ≥ 0 and the aggregate's
 * version above it (saving an unchanged aggregate is a caller error). Throws VALIDATION_FAILED.
 */
export function checkSave(aggregateType: string, id: string, version: number, expectedVersion: number): void {
  checkExpectedVersion(aggregateType, id, expectedVersion);
  if (Number.isInteger(version) && version > expectedVersion) return;
  throw new ValidationError(`${aggregateType} save`, [
    {
      path: 'version',
      constraint: 'greaterThanExpected',
      message: `${aggregateType} "${id}" is at version ${String(version)}, not above expectedVersion ${expectedVersion}; save only changed aggregates and pass the version you read`,
    },
  ]);
}

/** Checks an `expectedVersion` argument (an integer ≥ 0; 0 for a new aggregate). Throws VALIDATION_FAILED. */
export function checkExpectedVersion(aggregateType: string, id: string, expectedVersion: number): void {
  if (Number.isInteger(expectedVersion) && expectedVersion >= 0) return;
  throw new ValidationError(`${aggregateType} write`, [
    {
      path: 'expectedVersion',
      constraint: 'isInt',
      message: `must be an integer >= 0 (0 for a new ${aggregateType}), got ${String(expectedVersion)} for "${id}"`,
    },
  ]);
}

/** Checks a finder's optional `limit` (an integer ≥ 0) and returns it. Throws VALIDATION_FAILED. */
export function checkFinderLimit(limit: number | undefined): number | undefined {
  if (limit === undefined || (Number.isInteger(limit) && limit >= 0)) return limit;
  throw new ValidationError('finder options', [{ path: 'limit', constraint: 'isInt', message: `must be an integer >= 0, got ${String(limit)}` }]);
}

/** Checks a read-model document has a non-empty string `id`; throws VALIDATION_FAILED otherwise. */
export function checkDocumentId(document: ReadModelDocument): void {
  if (typeof document === 'object' && document !== null && typeof document.id === 'string' && document.id !== '') return;
  throw new ValidationError('read-model document', [
    { path: 'id', constraint: 'isNotEmpty', message: `a document needs a non-empty string id, got ${String((document as { id?: unknown } | null)?.id)}` },
  ]);
}

/**
 * The position fence of `ReadModelStore.put`: true when `stored` has a numeric `_position` above the
 * incoming document's numeric `_position`, so the put must leave it in place.
 */
export function isFencedOut(stored: ReadModelDocument | undefined, incoming: ReadModelDocument): boolean {
  const had = stored?.['_position'];
  const got = incoming['_position'];
  return typeof had === 'number' && typeof got === 'number' && got < had;
}

function isField(field: unknown): field is string {
  return typeof field === 'string' && field !== '' && field.split('.').every((step) => step !== '');
}

function splitPath(field: string): string[] {
  return typeof field === 'string' ? field.split('.') : [];
}
