import Database from 'better-sqlite3';
import { checkDistinctIds, checkExpectedVersion, checkFinderLimit, checkSave, Machine, REQUEST_STATUSES, Request, Template, isTerminalRequestStatus, type AggregateType, type MachineRepository, type MachineSnapshot, type RequestRepository, type RequestSnapshot, type TemplateRepository } from 'hostfactory-kernel/storage';
import { ConcurrencyConflictError, ValidationError, type MachineStatus, type RequestStatus, type RequestType, type TemplateSnapshot } from 'hostfactory-kernel';
import { chunks, prepared } from './database';
import { SqliteStorageError } from './errors';

/** What the repositories need from the transaction they run in. */
export interface RepositoryScope {
  /** The connection to read from: the writer once this transaction holds the write lock, else the reader. */
  reading(): Promise<Database.Database>;
  /** The writer, inside this transaction's `BEGIN IMMEDIATE` (taken on first use). */
  writing(): Promise<Database.Database>;
  /** True once `table`/`id` was written in this transaction (its version was checked then). */
  written(table: string, id: string): boolean;
  markWritten(table: string, id: string): void;
  /** Remembers a failed version check so the commit fails even if `work` swallowed the error. */
  conflict(error: ConcurrencyConflictError): ConcurrencyConflictError;
}

type Column = string | number | null;

/** How one aggregate type maps onto its table: the id, and the indexed columns every finder uses. */
interface TableSpec<S extends { version: number }> {
  readonly aggregateType: AggregateType;
  readonly table: 'templates' | 'requests' | 'machines';
  readonly idOf: (snapshot: S) => string;
  readonly columns: Readonly<Record<string, (snapshot: S) => Column>>;
}

/** Statuses in which a request still counts against its template (not terminal). */
const OPEN_REQUEST_STATUSES: readonly RequestStatus[] = REQUEST_STATUSES.filter((s) => !isTerminalRequestStatus(s));

const TEMPLATES: TableSpec<TemplateSnapshot> = { aggregateType: 'Template', table: 'templates', idOf: (s) => s.templateId, columns: {} };

const REQUESTS: TableSpec<RequestSnapshot> = {
  aggregateType: 'Request',
  table: 'requests',
  idOf: (s) => s.requestId,
  columns: {
    type: (s) => s.type,
    status: (s) => s.status,
    template_id: (s) => s.templateId,
    // Read defensively: snapshots written by older releases may lack the field.
    idempotency_key: (s) => (s as { idempotencyKey?: string | null }).idempotencyKey ?? null,
    created_at: (s) => s.createdAt,
  },
};

const MACHINES: TableSpec<MachineSnapshot> = {
  aggregateType: 'Machine',
  table: 'machines',
  idOf: (s) => s.machineId,
  columns: {
    request_id: (s) => s.requestId,
    return_request_id: (s) => s.returnRequestId,
    name: (s) => s.name,
    template_id: (s) => s.templateId,
    status: (s) => s.status,
    created_at: (s) => s.createdAt,
  },
};

/**
 * Snapshot rows of one aggregate type. Writes go through the transaction's writer: the first write
 * of an id checks `expectedVersion` in SQL (`INSERT` for 0, `UPDATE … WHERE version = ?` otherwise);
 * later writes of the same id in the transaction overwrite, as the port prescribes.
 */
class SnapshotRows<S extends { version: number }> {
  readonly #sql: { insert: string; update: string; upsert: string };

  constructor(
    private readonly spec: TableSpec<S>,
    private readonly scope: RepositoryScope,
  ) {
    const names = Object.keys(spec.columns);
    const all = ['id', 'version', ...names, 'snapshot'];
    const insert = `INSERT INTO ${spec.table} (${all.join(', ')}) VALUES (${all.map(() => '?').join(', ')})`;
    const sets = ['version', ...names, 'snapshot'];
    this.#sql = {
      insert,
      update: `UPDATE ${spec.table} SET ${sets.map((c) => `${c} = ?`).join(', ')} WHERE id = ? AND version = ?`,
      upsert: `${insert} ON CONFLICT (id) DO UPDATE SET ${sets.map((c) => `${c} = excluded.${c}`).join(', ')}`,
    };
  }

  async get(id: string): Promise<S | undefined> {
    const db = await this.scope.reading();
    const row = prepared<[string], { snapshot: string }>(db, `SELECT snapshot FROM ${this.spec.table} WHERE id = ?`).get(id);
    return row === undefined ? undefined : (JSON.parse(row.snapshot) as S);
  }

  async getMany(ids: readonly string[]): Promise<S[]> {
    const wanted = [...new Set(ids)];
    if (wanted.length === 0) return [];
    const db = await this.scope.reading();
    const found = new Map<string, S>();
    for (const chunk of chunks(wanted, ROWS_PER_STATEMENT)) {
      const sql = `SELECT id, snapshot FROM ${this.spec.table} WHERE id IN (${chunk.map(() => '?').join(', ')})`;
      for (const row of prepared<string[], { id: string; snapshot: string }>(db, sql).all(...chunk)) found.set(row.id, JSON.parse(row.snapshot) as S);
    }
    return wanted.flatMap((id) => found.get(id) ?? []);
  }

  /** Snapshots matching `where` (bound to `params`), in the given order. */
  async find(where: string, params: readonly Column[], orderAndLimit: string): Promise<S[]> {
    const db = await this.scope.reading();
    const sql = `SELECT snapshot FROM ${this.spec.table} WHERE ${where} ${orderAndLimit}`;
    return prepared<Column[], { snapshot: string }>(db, sql)
      .all(...params)
      .map((row) => JSON.parse(row.snapshot) as S);
  }

  async save(snapshot: S, expectedVersion: number): Promise<void> {
    const { aggregateType, table } = this.spec;
    const id = this.spec.idOf(snapshot);
    checkSave(aggregateType, id, snapshot.version, expectedVersion);
    const db = await this.scope.writing();
    const columns = Object.values(this.spec.columns).map((value) => value(snapshot));
    const json = JSON.stringify(snapshot);
    try {
      if (this.scope.written(table, id)) {
        prepared(db, this.#sql.upsert).run(id, snapshot.version, ...columns, json);
      } else if (expectedVersion === 0) {
        prepared(db, this.#sql.insert).run(id, snapshot.version, ...columns, json);
      } else if (prepared(db, this.#sql.update).run(snapshot.version, ...columns, json, id, expectedVersion).changes === 0) {
        throw this.#conflict(db, id, expectedVersion);
      }
    } catch (error) {
      if (error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw this.#conflict(db, id, expectedVersion);
      if (error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE' && table === 'requests') {
        throw duplicateIdempotencyKey(db, id, columns);
      }
      throw error;
    }
    this.scope.markWritten(table, id);
  }

  /**
   * Saves several snapshots with multi-row statements (up to {@link ROWS_PER_STATEMENT} rows each):
   * an upsert of the ids this transaction already wrote, an `INSERT` of the new ones (a taken id
   * fails it: CONCURRENCY_CONFLICT) and an `UPDATE … FROM (VALUES …) WHERE version = expected`
   * whose RETURNING names the rows it changed (a missing one: CONCURRENCY_CONFLICT).
   */
  async saveMany(entries: readonly { snapshot: S; expectedVersion: number }[]): Promise<void> {
    const { aggregateType, table } = this.spec;
    checkDistinctIds(`${aggregateType} saveMany`, entries.map((e) => this.spec.idOf(e.snapshot)));
    for (const { snapshot, expectedVersion } of entries) checkSave(aggregateType, this.spec.idOf(snapshot), snapshot.version, expectedVersion);
    const db = await this.scope.writing();
    const names = ['id', 'version', ...Object.keys(this.spec.columns), 'snapshot'];
    const row = (e: { snapshot: S; expectedVersion: number }): Column[] => [
      this.spec.idOf(e.snapshot),
      e.snapshot.version,
      ...Object.values(this.spec.columns).map((value) => value(e.snapshot)),
      JSON.stringify(e.snapshot),
    ];
    const values = (count: number, width: number): string => Array.from({ length: count }, () => `(${Array.from({ length: width }, () => '?').join(', ')})`).join(', ');
    const written = entries.filter((e) => this.scope.written(table, this.spec.idOf(e.snapshot)));
    const inserts = entries.filter((e) => !written.includes(e) && e.expectedVersion === 0);
    const updates = entries.filter((e) => !written.includes(e) && e.expectedVersion !== 0);
    const sets = names.slice(1);
    for (const chunk of chunks(written, ROWS_PER_STATEMENT)) {
      const sql = `INSERT INTO ${table} (${names.join(', ')}) VALUES ${values(chunk.length, names.length)} ON CONFLICT (id) DO UPDATE SET ${sets.map((c) => `${c} = excluded.${c}`).join(', ')}`;
      prepared(db, sql).run(...chunk.flatMap(row));
    }
    for (const chunk of chunks(inserts, ROWS_PER_STATEMENT)) {
      try {
        prepared(db, `INSERT INTO ${table} (${names.join(', ')}) VALUES ${values(chunk.length, names.length)}`).run(...chunk.flatMap(row));
      } catch (error) {
        if (!(error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY')) throw error;
        const taken = chunk.find((e) => this.#versionOf(db, this.spec.idOf(e.snapshot)) !== null) ?? chunk[0]!;
        throw this.#conflict(db, this.spec.idOf(taken.snapshot), 0);
      }
    }
    for (const chunk of chunks(updates, ROWS_PER_STATEMENT)) {
      const aliases = [...names, 'expected'].map((name, i) => `column${i + 1} AS ${name}`).join(', ');
      const sql =
        `UPDATE ${table} SET ${sets.map((c) => `${c} = v.${c}`).join(', ')} FROM (SELECT ${aliases} FROM (VALUES ${values(chunk.length, names.length + 1)})) AS v ` +
        `WHERE ${table}.id = v.id AND ${table}.version = v.expected RETURNING ${table}.id AS id`;
      const changed = new Set(prepared<Column[], { id: string }>(db, sql).all(...chunk.flatMap((e) => [...row(e), e.expectedVersion])).map((r) => r.id));
      const lost = chunk.find((e) => !changed.has(this.spec.idOf(e.snapshot)));
      if (lost !== undefined) throw this.#conflict(db, this.spec.idOf(lost.snapshot), lost.expectedVersion);
    }
    for (const e of entries) this.scope.markWritten(table, this.spec.idOf(e.snapshot));
  }

  async delete(id: string, expectedVersion: number): Promise<void> {
    const { aggregateType, table } = this.spec;
    checkExpectedVersion(aggregateType, id, expectedVersion);
    const db = await this.scope.writing();
    if (this.scope.written(table, id)) {
      prepared(db, `DELETE FROM ${table} WHERE id = ?`).run(id);
    } else if (expectedVersion === 0) {
      // "Must not exist yet": deleting nothing succeeds, deleting something is a conflict.
      if (this.#versionOf(db, id) !== null) throw this.#conflict(db, id, 0);
    } else if (prepared(db, `DELETE FROM ${table} WHERE id = ? AND version = ?`).run(id, expectedVersion).changes === 0) {
      throw this.#conflict(db, id, expectedVersion);
    }
    this.scope.markWritten(table, id);
  }

  #versionOf(db: Database.Database, id: string): number | null {
    return prepared<[string], { version: number }>(db, `SELECT version FROM ${this.spec.table} WHERE id = ?`).get(id)?.version ?? null;
  }

  #conflict(db: Database.Database, id: string, expectedVersion: number): ConcurrencyConflictError {
    return this.scope.conflict(new ConcurrencyConflictError(this.spec.aggregateType, id, expectedVersion, this.#versionOf(db, id)));
  }
}

/** Rows per multi-row statement: 500 rows of at most 10 columns stay far below SQLite's 32,766 parameters. */
const ROWS_PER_STATEMENT = 500;

/** The template repository of one transaction. */
export function templateRepository(scope: RepositoryScope): TemplateRepository {
  const rows = new SnapshotRows(TEMPLATES, scope);
  const load = (s: TemplateSnapshot): Template => Template.restore(s);
  return {
    get: async (id) => mapOne(await rows.get(id), load),
    getMany: async (ids) => (await rows.getMany(ids)).map(load),
    list: async () => (await rows.find('1', [], 'ORDER BY id')).map(load),
    save: (template, expectedVersion) => rows.save(template.toSnapshot(), expectedVersion),
    delete: (id, expectedVersion) => rows.delete(id, expectedVersion),
  };
}

const OLDEST_FIRST = 'ORDER BY created_at, id';

/** The request repository of one transaction; finders read the indexed columns, oldest first. */
export function requestRepository(scope: RepositoryScope): RequestRepository {
  const rows = new SnapshotRows(REQUESTS, scope);
  const load = (s: RequestSnapshot): Request => Request.restore(s);
  return {
    get: async (id) => mapOne(await rows.get(id), load),
    getMany: async (ids) => (await rows.getMany(ids)).map(load),
    save: (request, expectedVersion) => rows.save(request.toSnapshot(), expectedVersion),
    findOpenByTemplate: async (templateId) =>
      (await rows.find(`template_id = ? AND status IN (${marks(OPEN_REQUEST_STATUSES)})`, [templateId, ...OPEN_REQUEST_STATUSES], OLDEST_FIRST)).map(load),
    findByIdempotencyKey: async (key) => mapOne((await rows.find('idempotency_key = ?', [key], `${OLDEST_FIRST} LIMIT 1`))[0], load),
    findByStatus: async (statuses: readonly RequestStatus[], options: { type?: RequestType; limit?: number } = {}) => {
      const limit = checkFinderLimit(options.limit);
      const wanted = [...new Set(statuses)];
      if (wanted.length === 0 || limit === 0) return [];
      const byType = options.type === undefined ? '' : ' AND type = ?';
      const params = options.type === undefined ? wanted : [...wanted, options.type];
      return (await rows.find(`status IN (${marks(wanted)})${byType}`, [...params, limit ?? -1], `${OLDEST_FIRST} LIMIT ?`)).map(load);
    },
  };
}

/** The machine repository of one transaction; finders read the indexed columns, oldest first. */
export function machineRepository(scope: RepositoryScope): MachineRepository {
  const rows = new SnapshotRows(MACHINES, scope);
  const load = (s: MachineSnapshot): Machine => Machine.restore(s);
  const find = async (where: string, params: readonly Column[], tail = OLDEST_FIRST): Promise<Machine[]> => (await rows.find(where, params, tail)).map(load);
  return {
    get: async (id) => mapOne(await rows.get(id), load),
    getMany: async (ids) => (await rows.getMany(ids)).map(load),
    save: (machine, expectedVersion) => rows.save(machine.toSnapshot(), expectedVersion),
    saveMany: (saves) => rows.saveMany(saves.map(({ machine, expectedVersion }) => ({ snapshot: machine.toSnapshot(), expectedVersion }))),
    findByRequest: (requestId) => find('request_id = ?', [requestId]),
    findByReturnRequest: (returnRequestId) => find('return_request_id = ?', [returnRequestId]),
    findByName: (name) => find('name = ?', [name]),
    findByTemplate: async (templateId, statuses?: readonly MachineStatus[]) => {
      if (statuses === undefined) return find('template_id = ?', [templateId]);
      const wanted = [...new Set(statuses)];
      return wanted.length === 0 ? [] : find(`template_id = ? AND status IN (${marks(wanted)})`, [templateId, ...wanted]);
    },
    findByStatus: async (statuses, options = {}) => {
      const limit = checkFinderLimit(options.limit);
      const wanted = [...new Set(statuses)];
      if (wanted.length === 0 || limit === 0) return [];
      return find(`status IN (${marks(wanted)})`, [...wanted, limit ?? -1], `${OLDEST_FIRST} LIMIT ?`);
    },
  };
}

function duplicateIdempotencyKey(db: Database.Database, requestId: string, columns: readonly Column[]): SqliteStorageError {
  const key = columns[Object.keys(REQUESTS.columns).indexOf('idempotency_key')] ?? null;
  const holder = prepared<[Column], { id: string }>(db, 'SELECT id FROM requests WHERE idempotency_key = ?').get(key);
  return new SqliteStorageError(
    'DUPLICATE_IDEMPOTENCY_KEY',
    `Request "${requestId}" cannot be stored with idempotency key ${JSON.stringify(key)}: request "${holder?.id ?? '?'}" already has it. Look the key up with findByIdempotencyKey (under the template lock) before creating a request.`,
    { requestId, idempotencyKey: key, existingRequestId: holder?.id ?? null },
  );
}



function marks(values: readonly unknown[]): string {
  return values.map(() => '?').join(', ');
}

function mapOne<S, A>(snapshot: S | undefined, load: (s: S) => A): A | undefined {
  return snapshot === undefined ? undefined : load(snapshot);
}
