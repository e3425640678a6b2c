import type Database from 'better-sqlite3';
import { checkDistinctIds, checkDocumentId, checkReadModelQuery, type ReadModelFilter, type ReadModelPage, type ReadModelQuery } from 'hostfactory-kernel/storage';
import { ValidationError, type ReadModelDocument, type ReadModelStore, type ValidationIssue } from 'hostfactory-kernel';
import { chunks, prepared, type SqliteDatabase } from './database';

type Param = string | number | null;

/** A read-model query as SQL over `read_models`: `where` and `orderBy` share `params` order (where first). */
export interface CompiledQuery {
  readonly where: string;
  readonly whereParams: readonly Param[];
  readonly orderBy: string;
  readonly limit: number;
  readonly offset: number;
  /** The page query: `SELECT doc … LIMIT ? OFFSET ?`, with its full parameter list. */
  readonly sql: string;
  readonly params: readonly Param[];
}

/**
 * Insert or replace, except over a document whose numeric `_position` is above the incoming one's
 * (the port's multi-replica fence: a replica replaying an older event never undoes a newer one).
 */
const UPSERT_FENCED =
  'INSERT INTO read_models (collection, id, doc) VALUES (?, ?, ?) ON CONFLICT (collection, id) DO UPDATE SET doc = excluded.doc ' +
  "WHERE NOT IFNULL(json_type(read_models.doc, '$._position') IN ('integer', 'real') AND json_type(excluded.doc, '$._position') IN ('integer', 'real') " +
  "AND json_extract(read_models.doc, '$._position') > json_extract(excluded.doc, '$._position'), 0)";

/**
 * Read-model documents as JSON rows of `read_models(collection, id, doc)`. Reads use the read-only
 * connection (committed data); each `put`/`delete` is a short write transaction of its own. Queries
 * compile to `json_extract`/`json_type` SQL that keeps the port's strict semantics and uses the
 * expression indexes of migration 3 for the fields the library filters and sorts on.
 */
export class SqliteReadModelStore implements ReadModelStore {
  constructor(private readonly database: SqliteDatabase) {}

  async get<T extends ReadModelDocument>(collection: string, id: string): Promise<T | undefined> {
    checkCollection(collection);
    const row = prepared<[string, string], { doc: string }>(this.#reader(), 'SELECT doc FROM read_models WHERE collection = ? AND id = ?').get(collection, id);
    return row === undefined ? undefined : (JSON.parse(row.doc) as T);
  }

  async getMany<T extends ReadModelDocument>(collection: string, ids: readonly string[]): Promise<T[]> {
    checkCollection(collection);
    const wanted = [...new Set(ids)];
    const found = new Map<string, T>();
    const reader = this.#reader();
    for (const chunk of chunks(wanted, 500)) {
      const sql = `SELECT id, doc FROM read_models WHERE collection = ? AND id IN (${chunk.map(() => '?').join(', ')})`;
      for (const row of prepared<string[], { id: string; doc: string }>(reader, sql).all(collection, ...chunk)) found.set(row.id, JSON.parse(row.doc) as T);
    }
    return wanted.flatMap((id) => found.get(id) ?? []);
  }

  async put(collection: string, document: ReadModelDocument): Promise<void> {
    checkCollection(collection);
    checkDocumentId(document);
    const json = JSON.stringify(document);
    await this.database.write((db) => prepared(db, UPSERT_FENCED).run(collection, document.id, json));
  }

  /** One write transaction of multi-row fenced upserts (300 rows a statement); a repeated id is VALIDATION_FAILED. */
  async putMany(collection: string, documents: readonly ReadModelDocument[]): Promise<void> {
    checkCollection(collection);
    for (const document of documents) checkDocumentId(document);
    checkDistinctIds('read-model putMany', documents.map((d) => d.id));
    if (documents.length === 0) return;
    await this.database.write((db) => {
      for (const chunk of chunks(documents, 300)) {
        const sql = UPSERT_FENCED.replace('VALUES (?, ?, ?)', `VALUES ${chunk.map(() => '(?, ?, ?)').join(', ')}`);
        prepared(db, sql).run(...chunk.flatMap((d) => [collection, d.id, JSON.stringify(d)]));
      }
    });
  }

  async delete(collection: string, id: string): Promise<void> {
    checkCollection(collection);
    await this.database.write((db) => prepared(db, 'DELETE FROM read_models WHERE collection = ? AND id = ?').run(collection, id));
  }

  async query<T extends ReadModelDocument>(collection: string, query: ReadModelQuery): Promise<ReadModelPage<T>> {
    checkCollection(collection);
    const compiled = compileQuery(collection, query);
    const reader = this.#reader();
    // One read transaction: the page and the total come from the same snapshot.
    return reader.transaction(() => {
      const items = prepared<Param[], { doc: string }>(reader, compiled.sql)
        .all(...compiled.params)
        .map((row) => JSON.parse(row.doc) as T);
      const total = prepared<Param[], { total: number }>(reader, `SELECT count(*) AS total FROM read_models WHERE ${compiled.where}`).get(...compiled.whereParams)?.total ?? 0;
      return { items, total };
    })();
  }

  #reader(): Database.Database {
    this.database.assertOpen();
    return this.database.reader;
  }
}

/**
 * Validates `query` like the in-memory store (VALIDATION_FAILED naming `limit`, `offset`,
 * `filters[i]…`, `sort[i]…`) and compiles it to SQL over `read_models` for `collection`.
 */
export function compileQuery(collection: string, query: ReadModelQuery): CompiledQuery {
  // The port's own rules first (the library's shared checks), then what this SQL dialect adds.
  const { limit, offset } = checkReadModelQuery(query);
  const issues: ValidationIssue[] = [];
  const conditions = ['collection = ?'];
  const whereParams: Param[] = [collection];
  (query.filters ?? []).forEach((filter, i) => {
    const compiled = compileFilter(filter, `filters[${i}]`, issues);
    if (compiled === undefined) return;
    conditions.push(compiled.sql);
    whereParams.push(...compiled.params);
  });
  const keys: string[] = [];
  let byId = false;
  (query.sort ?? []).forEach((key, i) => {
    const field = fieldOf(key.field, `sort[${i}].field`, issues);
    if (key.direction !== 'asc' && key.direction !== 'desc') {
      issues.push({ path: `sort[${i}].direction`, constraint: 'isIn', message: `must be "asc" or "desc", got ${String(key.direction)}` });
    }
    if (field === undefined || byId) return;
    const direction = key.direction === 'desc' ? 'DESC' : 'ASC';
    if (field.isId) byId = true;
    keys.push(...field.sortKeys.map((expression) => `${expression} ${direction}`));
  });
  if (issues.length > 0) throw new ValidationError('read-model query', issues);
  // Ties (and no sort) fall back to ascending id; a sort key on id already orders every row.
  if (!byId) keys.push('id ASC');
  const where = conditions.join(' AND ');
  const orderBy = keys.join(', ');
  return {
    where,
    whereParams,
    orderBy,
    limit,
    offset,
    sql: `SELECT doc FROM read_models WHERE ${where} ORDER BY ${orderBy} LIMIT ? OFFSET ?`,
    params: [...whereParams, limit, offset],
  };
}

/** SQL for one document field: its value, its JSON type, and its sort keys. */
interface Field {
  readonly isId: boolean;
  readonly value: string;
  /** A SQL expression giving the JSON type (`'text'`, `'integer'`, …), NULL when the field is missing. */
  readonly type: string;
  readonly sortKeys: readonly string[];
}

/**
 * The SQL of a field path. `id` is the `id` column (always a string). Other paths read the JSON:
 * `json_extract` is NULL exactly when the value is missing or null, which the port treats alike.
 * Paths are written as SQL literals (escaped), never bound, so they can match an index expression.
 */
function fieldOf(field: unknown, at: string, issues: ValidationIssue[]): Field | undefined {
  if (typeof field !== 'string' || field === '' || field.split('.').some((step) => step === '')) {
    issues.push({ path: at, constraint: 'isNotEmpty', message: 'must be a field path such as `status` or `machine.status`' });
    return undefined;
  }
  if (field === 'id') return { isId: true, value: 'id', type: `'text'`, sortKeys: ['id'] };
  const steps = field.split('.');
  if (steps.some((step) => step.includes('"'))) {
    issues.push({ path: at, constraint: 'isJsonPath', message: `a field name cannot contain '"' in this SQLite store, got ${JSON.stringify(field)}` });
    return undefined;
  }
  const path = sqlString(`$${steps.map((step) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(step) ? `.${step}` : `."${step}"`)).join('')}`);
  const value = `json_extract(doc, ${path})`;
  const type = `json_type(doc, ${path})`;
  // Ascending: null/missing, booleans, numbers, strings, then objects and arrays (equal to each other).
  const rank = `CASE ${type} WHEN 'true' THEN 1 WHEN 'false' THEN 1 WHEN 'integer' THEN 2 WHEN 'real' THEN 2 WHEN 'text' THEN 3 WHEN 'array' THEN 4 WHEN 'object' THEN 4 ELSE 0 END`;
  const sortValue = `CASE WHEN ${type} IN ('array', 'object') THEN NULL ELSE ${value} END`;
  return { isId: false, value, type, sortKeys: [rank, sortValue] };
}

/**
 * True when equality with `values` already implies the JSON type test: `json_extract` returns text
 * only for a JSON string or for an array or object (as its JSON text, which starts with `[` or `{`),
 * so a string value that starts with neither can only equal a JSON string. Leaving the type test
 * out then changes no answer, and lets the expression index alone answer the filter and the count
 * (no document read per matching row).
 */
function typeImplied(types: string, values: readonly Param[]): boolean {
  return types === `('text')` && values.every((v) => typeof v === 'string' && v[0] !== '[' && v[0] !== '{');
}

/** JSON types a filter value of each JavaScript type can equal or be compared with. */
function typesFor(value: unknown): string | undefined {
  if (typeof value === 'string') return `('text')`;
  if (typeof value === 'number' && Number.isFinite(value)) return `('integer', 'real')`;
  if (value === true) return `('true')`;
  if (value === false) return `('false')`;
  return undefined;
}

/** A JSON boolean reads back from json_extract as 1/0; bind booleans the same way. */
function bindable(value: string | number | boolean): Param {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}

function compileFilter(filter: ReadModelFilter, at: string, issues: ValidationIssue[]): { sql: string; params: Param[] } | undefined {
  const field = fieldOf(filter?.field, `${at}.field`, issues);
  if (field === undefined) return undefined;
  if ('eq' in filter || 'in' in filter) {
    const values: readonly unknown[] = 'eq' in filter ? [filter.eq] : filter.in;
    if (!Array.isArray(values)) {
      issues.push({ path: `${at}.in`, constraint: 'isArray', message: 'must be an array of values' });
      return undefined;
    }
    return equalityFilter(field, values);
  }
  const bounds: Partial<Record<'gt' | 'gte' | 'lt' | 'lte', unknown>> = filter;
  const ops = (['gt', 'gte', 'lt', 'lte'] as const).filter((op) => bounds[op] !== undefined);
  if (ops.length === 0) {
    issues.push({ path: at, constraint: 'hasOperator', message: 'a filter needs one of eq, in, gt, gte, lt or lte' });
    return undefined;
  }
  const operators = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
  const terms: string[] = [];
  const params: Param[] = [];
  for (const op of ops) {
    const bound = bounds[op];
    const types = typesFor(bound);
    // Ranges compare numbers with numbers and strings with strings only; null never matches.
    if (types === undefined || typeof bound === 'boolean') return { sql: '0', params: [] };
    terms.push(`${field.type} IN ${types} AND ${field.value} ${operators[op]} ?`);
    params.push(bound as string | number);
  }
  return { sql: `(${terms.join(' AND ')})`, params };
}

/**
 * Strict equality: values are grouped by JSON type, so `2` never equals `'2'` and `true` never
 * equals `1`; null matches null and missing. One value gives `value = ? AND type …`, which an
 * expression index on the field serves.
 */
function equalityFilter(field: Field, values: readonly unknown[]): { sql: string; params: Param[] } {
  const groups = new Map<string, Param[]>();
  let matchesNull = false;
  for (const value of values) {
    if (value === null || value === undefined) {
      matchesNull = true;
      continue;
    }
    const types = typesFor(value);
    if (types === undefined) continue;
    const group = groups.get(types) ?? [];
    group.push(bindable(value as string | number | boolean));
    groups.set(types, group);
  }
  const terms: string[] = [];
  const params: Param[] = [];
  for (const [types, group] of groups) {
    const test = group.length === 1 ? `${field.value} = ?` : `${field.value} IN (${group.map(() => '?').join(', ')})`;
    terms.push(field.isId || typeImplied(types, group) ? test : `${test} AND ${field.type} IN ${types}`);
    params.push(...group);
  }
  if (matchesNull && !field.isId) terms.push(`${field.value} IS NULL`);
  if (terms.length === 0) return { sql: '0', params: [] };
  return { sql: terms.length === 1 ? `(${terms[0]})` : `(${terms.map((t) => `(${t})`).join(' OR ')})`, params };
}

function checkCollection(collection: string): void {
  if (typeof collection === 'string' && collection !== '') return;
  throw new ValidationError('read-model collection', [
    { path: 'collection', constraint: 'isNotEmpty', message: `must be a non-empty collection name, got ${String(collection)}` },
  ]);
}

function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
