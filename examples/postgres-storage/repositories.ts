import type { QueryResult, QueryResultRow } from 'pg';
import { checkDistinctIds, checkExpectedVersion, checkFinderLimit, checkSave, MACHINE_STATUSES, Machine, Request, Template, type AggregateType, type MachineRepository, type MachineSnapshot, type RequestRepository, type RequestSnapshot, type TemplateRepository } from 'hostfactory-kernel/storage';
import { ConcurrencyConflictError, KernelError, ValidationError, type TemplateSnapshot } from 'hostfactory-kernel';
import { constraintOf, sqlState, type SchemaTables } from './sql';

/** What the repositories of one transaction share: its statement runner, a use guard and the ids it wrote. */
export interface TransactionScope {
  /** Runs one statement in the transaction (beginning it first if it has not begun). */
  readonly query: <R extends QueryResultRow = QueryResultRow>(sql: string, params: readonly unknown[]) => Promise<QueryResult<R>>;
  readonly tables: SchemaTables;
  /** Throws once the transaction has ended. */
  readonly guard: () => void;
  /** `Type:id` of every aggregate this transaction saved or deleted (its first version check passed). */
  readonly written: Set<string>;
  /** Records a version conflict so the commit fails with it even if the work caught it; returns it. */
  readonly conflict: <E>(error: E) => E;
}

/** How one aggregate type maps to its table: the id, the indexed columns and the restore function. */
interface TableMapping<S extends { version: number }, A> {
  readonly type: AggregateType;
  readonly table: string;
  readonly idOf: (snapshot: S) => string;
  /** Indexed columns besides id, version and snapshot, in a fixed order. */
  readonly columns: readonly string[];
  readonly values: (snapshot: S) => readonly unknown[];
  readonly restore: (snapshot: S) => A;
}

/**
 * Saves and deletes of one aggregate table with optimistic concurrency checked at write time: the
 * first write of an id in a transaction is `INSERT … ON CONFLICT DO NOTHING` (expectedVersion 0) or
 * `UPDATE … WHERE version = expected`; no row affected means CONCURRENCY_CONFLICT with the actual
 * version. Later writes of the same id in the same transaction keep the last state unconditionally.
 */
class SnapshotWriter<S extends { version: number }, A> {
  constructor(
    private readonly scope: TransactionScope,
    private readonly map: TableMapping<S, A>,
  ) {}

  async save(snapshot: S, expectedVersion: number): Promise<void> {
    this.scope.guard();
    const id = this.map.idOf(snapshot);
    checkSave(this.map.type, id, snapshot.version, expectedVersion);
    const { table, columns } = this.map;
    const names = ['id', 'version', 'snapshot', ...columns];
    const values = [id, snapshot.version, JSON.stringify(snapshot), ...this.map.values(snapshot)];
    const placeholders = names.map((_, i) => `$${i + 1}`).join(', ');
    const assignments = names.slice(1).map((name) => `${name} = EXCLUDED.${name}`).join(', ');
    const key = `${this.map.type}:${id}`;
    let changed: boolean;
    try {
      if (this.scope.written.has(key)) {
        await this.query(`INSERT INTO ${table} (${names.join(', ')}) VALUES (${placeholders}) ON CONFLICT (id) DO UPDATE SET ${assignments}`, values);
        changed = true;
      } else if (expectedVersion === 0) {
        changed = (await this.query(`INSERT INTO ${table} (${names.join(', ')}) VALUES (${placeholders}) ON CONFLICT (id) DO NOTHING`, values)) === 1;
      } else {
        const sets = names.slice(1).map((name, i) => `${name} = $${i + 2}`).join(', ');
        changed = (await this.query(`UPDATE ${table} SET ${sets} WHERE id = $1 AND version = $${names.length + 1}`, [...values, expectedVersion])) === 1;
      }
    } catch (error) {
      throw this.scope.conflict(this.uniqueConflict(error, id, expectedVersion));
    }
    if (!changed) throw this.scope.conflict(await this.conflict(id, expectedVersion));
    this.scope.written.add(key);
  }

  /**
   * Saves several snapshots with at most three statements, whatever their number: an unconditional
   * upsert of those this transaction already wrote, one multi-row `INSERT … ON CONFLICT DO NOTHING`
   * of the new ones and one `UPDATE … FROM jsonb_to_recordset(…) WHERE version = expected` of the rest. A row
   * missing from a statement's RETURNING is a CONCURRENCY_CONFLICT (the first one is reported).
   */
  async saveMany(entries: readonly { snapshot: S; expectedVersion: number }[]): Promise<void> {
    this.scope.guard();
    checkDistinctIds(`${this.map.type} saveMany`, entries.map((e) => this.map.idOf(e.snapshot)));
    for (const { snapshot, expectedVersion } of entries) checkSave(this.map.type, this.map.idOf(snapshot), snapshot.version, expectedVersion);
    const written = new Set(entries.filter((e) => this.scope.written.has(`${this.map.type}:${this.map.idOf(e.snapshot)}`)));
    const inserts = entries.filter((e) => !written.has(e) && e.expectedVersion === 0);
    const updates = entries.filter((e) => !written.has(e) && e.expectedVersion !== 0);
    const { table, columns } = this.map;
    const names = ['id', 'version', 'snapshot', ...columns];
    // One JSON parameter per statement, expanded into rows by jsonb_to_recordset: one
    // JSON.stringify here and one parse on the server, instead of an array literal per column.
    const recordType = `id text, version integer, snapshot jsonb, ${columns.map((c) => `${c} text`).join(', ')}, expected integer`;
    const rows = (group: typeof entries): [string] => [
      JSON.stringify(
        group.map((e) => {
          const row: Record<string, unknown> = { id: this.map.idOf(e.snapshot), version: e.snapshot.version, snapshot: e.snapshot, expected: e.expectedVersion };
          this.map.values(e.snapshot).forEach((value, i) => (row[columns[i]!] = value));
          return row;
        }),
      ),
    ];
    const recordset = `jsonb_to_recordset($1::jsonb) AS v(${recordType})`;
    const assignments = names.slice(1).map((name) => `${name} = EXCLUDED.${name}`).join(', ');
    const select = `SELECT ${names.map((n) => `v.${n}`).join(', ')} FROM ${recordset}`;
    const first = entries[0];
    try {
      if (written.size > 0) {
        await this.scope.query(`INSERT INTO ${table} (${names.join(', ')}) ${select} ON CONFLICT (id) DO UPDATE SET ${assignments}`, rows([...written]));
      }
      if (inserts.length > 0) {
        const { rows: done } = await this.scope.query<{ id: string }>(
          `INSERT INTO ${table} (${names.join(', ')}) ${select} ON CONFLICT (id) DO NOTHING RETURNING id`,
          rows(inserts),
        );
        await this.missing(inserts, done);
      }
      if (updates.length > 0) {
        const sets = names.slice(1).map((name) => `${name} = v.${name}`).join(', ');
        const { rows: done } = await this.scope.query<{ id: string }>(
          `UPDATE ${table} AS t SET ${sets} FROM ${recordset} WHERE t.id = v.id AND t.version = v.expected RETURNING t.id`,
          rows(updates),
        );
        await this.missing(updates, done);
      }
    } catch (error) {
      if (first === undefined || !(sqlState(error) === '23505')) throw error;
      throw this.scope.conflict(this.uniqueConflict(error, this.map.idOf(first.snapshot), first.expectedVersion));
    }
    for (const e of entries) this.scope.written.add(`${this.map.type}:${this.map.idOf(e.snapshot)}`);
  }

  /** Fails with the conflict of the first entry a multi-row statement did not write. */
  private async missing(group: readonly { snapshot: S; expectedVersion: number }[], done: readonly { id: string }[]): Promise<void> {
    if (done.length === group.length) return;
    const ids = new Set(done.map((row) => row.id));
    const lost = group.find((e) => !ids.has(this.map.idOf(e.snapshot)))!;
    throw this.scope.conflict(await this.conflict(this.map.idOf(lost.snapshot), lost.expectedVersion));
  }

  async delete(id: string, expectedVersion: number): Promise<void> {
    this.scope.guard();
    checkExpectedVersion(this.map.type, id, expectedVersion);
    const key = `${this.map.type}:${id}`;
    if (this.scope.written.has(key)) {
      await this.query(`DELETE FROM ${this.map.table} WHERE id = $1`, [id]);
    } else if (expectedVersion === 0) {
      // "Must not exist": deleting nothing is fine, deleting something stored is a conflict.
      const actual = await this.actualVersion(id);
      if (actual !== null) throw this.scope.conflict(new ConcurrencyConflictError(this.map.type, id, 0, actual));
    } else if ((await this.query(`DELETE FROM ${this.map.table} WHERE id = $1 AND version = $2`, [id, expectedVersion])) !== 1) {
      throw this.scope.conflict(await this.conflict(id, expectedVersion));
    }
    this.scope.written.add(key);
  }

  /** Aggregates by query: `where` over the table's columns, oldest first unless `orderBy` says otherwise. */
  async find(where: string, params: readonly unknown[], orderBy = 'created_at, id', limit?: number): Promise<A[]> {
    this.scope.guard();
    const limitSql = limit === undefined ? '' : ` LIMIT ${limit}`;
    const { rows } = await this.scope.query<{ snapshot: S }>(
      `SELECT snapshot FROM ${this.map.table} WHERE ${where} ORDER BY ${orderBy}${limitSql}`,
      [...params],
    );
    return rows.map((row) => this.map.restore(row.snapshot));
  }

  async get(id: string): Promise<A | undefined> {
    const [found] = await this.find('id = $1', [id], 'id');
    return found;
  }

  /** The aggregates that exist among `ids`, each once, in the order asked. */
  async getMany(ids: readonly string[]): Promise<A[]> {
    this.scope.guard();
    const unique = [...new Set(ids)];
    if (unique.length === 0) return [];
    const { rows } = await this.scope.query<{ id: string; snapshot: S }>(`SELECT id, snapshot FROM ${this.map.table} WHERE id = ANY($1)`, [unique]);
    const byId = new Map(rows.map((row) => [row.id, row.snapshot]));
    return unique.flatMap((id) => {
      const snapshot = byId.get(id);
      return snapshot === undefined ? [] : [this.map.restore(snapshot)];
    });
  }

  private async query(sql: string, params: readonly unknown[]): Promise<number> {
    return (await this.scope.query(sql, params)).rowCount ?? 0;
  }

  private async actualVersion(id: string): Promise<number | null> {
    const { rows } = await this.scope.query<{ version: number }>(`SELECT version FROM ${this.map.table} WHERE id = $1`, [id]);
    return rows[0]?.version ?? null;
  }

  /** READ COMMITTED: this statement sees the row the concurrent writer committed, hence its version. */
  private async conflict(id: string, expectedVersion: number): Promise<ConcurrencyConflictError> {
    return new ConcurrencyConflictError(this.map.type, id, expectedVersion, await this.actualVersion(id));
  }

  /**
   * A unique index other than the primary key refused the row (a request's idempotency key taken by
   * a concurrent request). Reported as CONCURRENCY_CONFLICT so the command is retried and then finds
   * the request that won.
   */
  private uniqueConflict(error: unknown, id: string, expectedVersion: number): unknown {
    if (sqlState(error) !== '23505') return error;
    return new KernelError(
      'CONCURRENCY_CONFLICT',
      `${this.map.type} "${id}" could not be stored: another transaction committed a row with the same unique value (${constraintOf(error) ?? 'unique index'}). Retry the command; it will find that row.`,
      { details: { aggregateType: this.map.type, id, expectedVersion, actualVersion: null, constraint: constraintOf(error) ?? null }, cause: error },
    );
  }
}



/** The template repository of one transaction. */
export function templateRepository(scope: TransactionScope): TemplateRepository {
  const rows = new SnapshotWriter<TemplateSnapshot, Template>(scope, {
    type: 'Template',
    table: scope.tables.templates,
    idOf: (s) => s.templateId,
    columns: [],
    values: () => [],
    restore: (s) => Template.restore(s),
  });
  return {
    get: (id) => rows.get(id),
    getMany: (ids) => rows.getMany(ids),
    list: () => rows.find('TRUE', [], 'id'),
    save: (template, expectedVersion) => rows.save(template.toSnapshot(), expectedVersion),
    delete: (id, expectedVersion) => rows.delete(id, expectedVersion),
  };
}

/** The request repository of one transaction; finders return oldest first (createdAt, then id). */
export function requestRepository(scope: TransactionScope): RequestRepository {
  const rows = new SnapshotWriter<RequestSnapshot, Request>(scope, {
    type: 'Request',
    table: scope.tables.requests,
    idOf: (s) => s.requestId,
    columns: ['type', 'status', 'template_id', 'idempotency_key', 'created_at'],
    values: (s) => [s.type, s.status, s.templateId, (s as { idempotencyKey?: string | null }).idempotencyKey ?? null, s.createdAt],
    restore: (s) => Request.restore(s),
  });
  return {
    get: (id) => rows.get(id),
    getMany: (ids) => rows.getMany(ids),
    save: (request, expectedVersion) => rows.save(request.toSnapshot(), expectedVersion),
    // The predicate repeats the partial index's, so the index answers it.
    findOpenByTemplate: (templateId) => rows.find(`template_id = $1 AND status IN ('pending', 'in_progress')`, [templateId]),
    findByIdempotencyKey: async (key) => (await rows.find('idempotency_key = $1', [key], 'created_at, id', 1))[0],
    findByStatus: async (statuses, options = {}) => {
      const limit = checkFinderLimit(options.limit);
      if (options.type === undefined) return rows.find('status = ANY($1)', [[...statuses]], 'created_at, id', limit);
      return rows.find('status = ANY($1) AND type = $2', [[...statuses], options.type], 'created_at, id', limit);
    },
  };
}

/** The machine repository of one transaction; finders return oldest first (createdAt, then id). */
export function machineRepository(scope: TransactionScope): MachineRepository {
  const rows = new SnapshotWriter<MachineSnapshot, Machine>(scope, {
    type: 'Machine',
    table: scope.tables.machines,
    idOf: (s) => s.machineId,
    columns: ['request_id', 'return_request_id', 'name', 'template_id', 'status', 'created_at'],
    values: (s) => [s.requestId, s.returnRequestId, s.name, s.templateId, s.status, s.createdAt],
    restore: (s) => Machine.restore(s),
  });
  return {
    get: (id) => rows.get(id),
    getMany: (ids) => rows.getMany(ids),
    save: (machine, expectedVersion) => rows.save(machine.toSnapshot(), expectedVersion),
    saveMany: (saves) => rows.saveMany(saves.map(({ machine, expectedVersion }) => ({ snapshot: machine.toSnapshot(), expectedVersion }))),
    findByRequest: (requestId) => rows.find('request_id = $1', [requestId]),
    findByReturnRequest: (returnRequestId) => rows.find('return_request_id = $1', [returnRequestId]),
    findByName: (name) => rows.find('name = $1', [name]),
    findByTemplate: (templateId, statuses = MACHINE_STATUSES) => rows.find('template_id = $1 AND status = ANY($2)', [templateId, [...statuses]]),
    findByStatus: async (statuses, options = {}) => rows.find('status = ANY($1)', [[...statuses]], 'created_at, id', checkFinderLimit(options.limit)),
  };
}
