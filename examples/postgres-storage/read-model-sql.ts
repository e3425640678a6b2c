import { checkReadModelQuery, type ReadModelFilter, type ReadModelQuery } from 'hostfactory-kernel/storage';
import { ValidationError, type ValidationIssue } from 'hostfactory-kernel';
import { literal } from './sql';

/** The fields the library filters on; the first migration indexes each of them. */
export const INDEXED_FIELDS: readonly string[] = ['status', 'type', 'templateId', 'requestId', 'name'];

type Scalar = string | number | boolean | null;

/**
 * The JSONB value at a dotted path (`doc #> '{a,b}'`), NULL when any step is missing. Built as a
 * literal, never a parameter, so the planner can match it against the expression indexes.
 */
export function valueSql(field: string): string {
  const elements = field.split('.').map((step) => `"${step.replace(/[\\"]/g, '\\$&')}"`);
  return `(doc #> ${literal(`{${elements.join(',')}}`)}::text[])`;
}

/** The value compared by equality filters: a missing field equals JSON null. Indexed verbatim. */
export function equalitySql(field: string): string {
  return `coalesce(${valueSql(field)}, 'null'::jsonb)`;
}

/** A validated query as SQL: a WHERE clause over `doc`, an ORDER BY and its parameters. */
export interface QuerySql {
  readonly where: string;
  readonly orderBy: string;
  readonly params: unknown[];
  readonly limit: number;
  readonly offset: number;
}

/**
 * Validates `query` by the port's rules and translates it. Parameters are numbered after
 * `firstParam - 1` already used ones. Throws VALIDATION_FAILED naming every bad field.
 */
export function querySql(query: ReadModelQuery, firstParam: number): QuerySql {
  // The port's own rules first (the library's shared checks), then what this SQL dialect adds.
  const { limit, offset } = checkReadModelQuery(query);
  const issues: ValidationIssue[] = [];
  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${firstParam + params.length - 1}`;
  };
  const conditions: string[] = [];
  (query.filters ?? []).forEach((filter, i) => {
    const condition = filterSql(filter, `filters[${i}]`, issues, param);
    if (condition !== undefined) conditions.push(condition);
  });
  const order: string[] = [];
  (query.sort ?? []).forEach((key, i) => {
    if (!isField(key.field)) issues.push({ path: `sort[${i}].field`, constraint: 'isNotEmpty', message: 'must be a field path such as `status` or `machine.status`' });
    if (key.direction !== 'asc' && key.direction !== 'desc') {
      issues.push({ path: `sort[${i}].direction`, constraint: 'isIn', message: `must be "asc" or "desc", got ${String(key.direction)}` });
    }
    if (isField(key.field)) order.push(...sortSql(key.field, key.direction === 'desc' ? 'DESC' : 'ASC'));
  });
  if (issues.length > 0) throw new ValidationError('read-model query', issues);
  order.push('id ASC');
  return { where: conditions.length === 0 ? 'TRUE' : conditions.join(' AND '), orderBy: order.join(', '), params, limit, offset };
}

function filterSql(filter: ReadModelFilter, at: string, issues: ValidationIssue[], param: (value: unknown) => string): string | undefined {
  if (!isField(filter.field)) {
    issues.push({ path: `${at}.field`, constraint: 'isNotEmpty', message: 'must be a field path such as `status` or `machine.status`' });
    return undefined;
  }
  if ('eq' in filter) return equalsAny(filter.field, [filter.eq], param);
  if ('in' in filter) {
    if (!Array.isArray(filter.in)) {
      issues.push({ path: `${at}.in`, constraint: 'isArray', message: 'must be an array of values' });
      return undefined;
    }
    return equalsAny(filter.field, filter.in, param);
  }
  const value = valueSql(filter.field);
  const parts: string[] = [];
  for (const [op, sql] of [['gt', '>'], ['gte', '>='], ['lt', '<'], ['lte', '<=']] as const) {
    const bound: unknown = filter[op];
    if (bound === undefined) continue;
    if (typeof bound === 'number' && Number.isFinite(bound)) {
      parts.push(`(CASE WHEN jsonb_typeof(${value}) = 'number' THEN (${value})::numeric ${sql} ${param(bound)}::numeric ELSE FALSE END)`);
    } else if (typeof bound === 'string') {
      parts.push(`(CASE WHEN jsonb_typeof(${value}) = 'string' THEN (${value} #>> '{}') COLLATE "C" ${sql} ${param(bound)}::text ELSE FALSE END)`);
    } else {
      // Ranges compare numbers with numbers and strings with strings only: any other bound matches nothing.
      parts.push('FALSE');
    }
  }
  if (parts.length === 0) {
    issues.push({ path: at, constraint: 'hasOperator', message: 'a filter needs one of eq, in, gt, gte, lt or lte' });
    return undefined;
  }
  return parts.join(' AND ');
}

/** Strict equality (JSONB compares type and value: 2 ≠ "2"); objects, arrays and non-finite numbers match nothing. */
function equalsAny(field: string, values: readonly Scalar[], param: (value: unknown) => string): string {
  const comparable = values.filter(
    (v) => v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)),
  );
  if (comparable.length === 0) return 'FALSE';
  return `${equalitySql(field)} = ANY(${param(comparable.map((v) => JSON.stringify(v)))}::jsonb[])`;
}

/**
 * ORDER BY terms of one key: a type rank (missing/null, booleans, numbers, strings, anything else)
 * then the value within its type, all in the key's direction; strings compare by code point.
 */
function sortSql(field: string, direction: 'ASC' | 'DESC'): string[] {
  const v = valueSql(field);
  const type = `jsonb_typeof(${v})`;
  return [
    `(CASE WHEN ${v} IS NULL THEN 0 ELSE CASE ${type} WHEN 'null' THEN 0 WHEN 'boolean' THEN 1 WHEN 'number' THEN 2 WHEN 'string' THEN 3 ELSE 4 END END) ${direction}`,
    `(CASE WHEN ${type} = 'boolean' THEN (${v})::boolean END) ${direction}`,
    `(CASE WHEN ${type} = 'number' THEN (${v})::numeric END) ${direction}`,
    `(CASE WHEN ${type} = 'string' THEN ${v} #>> '{}' END) COLLATE "C" ${direction}`,
  ];
}

function isField(field: unknown): field is string {
  return typeof field === 'string' && field !== '' && field.split('.').every((step) => step !== '');
}
