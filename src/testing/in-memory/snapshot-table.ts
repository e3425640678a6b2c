import { checkExpectedVersion, checkSave } from '../../storage/adapter-checks';
import { ConcurrencyConflictError } from '../../domain/shared/errors';
import { type AggregateType } from '../../domain/shared/domain-event';
import { ValidationError } from '../../kernel/errors';

/** A secondary index: the keys a snapshot is filed under (none to leave it out). */
export interface IndexDefinition<S> {
  readonly name: string;
  keys(snapshot: S): readonly string[];
}

/** What every stored aggregate snapshot has. */
export interface VersionedSnapshot {
  readonly version: number;
}

/**
 * The committed snapshots of one aggregate type, keyed by id, with secondary indexes (key → ids)
 * updated on every write so finders never scan the table. Rows are owned here: never hand them out.
 */
export class SnapshotTable<S extends VersionedSnapshot> {
  readonly #rows = new Map<string, S>();
  readonly #indexes = new Map<string, { definition: IndexDefinition<S>; entries: Map<string, Set<string>> }>();

  constructor(
    readonly aggregateType: AggregateType,
    readonly idOf: (snapshot: S) => string,
    indexes: readonly IndexDefinition<S>[],
  ) {
    for (const definition of indexes) this.#indexes.set(definition.name, { definition, entries: new Map() });
  }

  get size(): number {
    return this.#rows.size;
  }

  get(id: string): S | undefined {
    return this.#rows.get(id);
  }

  ids(): IterableIterator<string> {
    return this.#rows.keys();
  }

  /** Ids filed under `key` in index `name`. */
  lookup(name: string, key: string): ReadonlySet<string> {
    return this.#index(name).entries.get(key) ?? EMPTY;
  }

  put(id: string, snapshot: S): void {
    this.remove(id);
    this.#rows.set(id, snapshot);
    for (const { definition, entries } of this.#indexes.values()) {
      for (const key of definition.keys(snapshot)) {
        let ids = entries.get(key);
        if (ids === undefined) entries.set(key, (ids = new Set()));
        ids.add(id);
      }
    }
  }

  remove(id: string): void {
    const old = this.#rows.get(id);
    if (old === undefined) return;
    this.#rows.delete(id);
    for (const { definition, entries } of this.#indexes.values()) {
      for (const key of definition.keys(old)) {
        const ids = entries.get(key);
        ids?.delete(id);
        if (ids?.size === 0) entries.delete(key);
      }
    }
  }

  #index(name: string): { definition: IndexDefinition<S>; entries: Map<string, Set<string>> } {
    const index = this.#indexes.get(name);
    if (index === undefined) throw new Error(`No index "${name}" on ${this.aggregateType} snapshots.`);
    return index;
  }
}

const EMPTY: ReadonlySet<string> = new Set();

interface PendingWrite<S> {
  /** The version stated by the first save or delete of this id in the transaction. */
  readonly expectedVersion: number;
  /** The last state written; `null` once deleted. */
  snapshot: S | null;
}

/**
 * One transaction's view of a {@link SnapshotTable}: buffered writes over committed state
 * (read-your-writes). Nothing reaches the table until {@link TableTransaction.apply}.
 */
export class TableTransaction<S extends VersionedSnapshot> {
  readonly #pending = new Map<string, PendingWrite<S>>();

  constructor(readonly table: SnapshotTable<S>) {}

  /** The snapshot as this transaction sees it (not a copy). */
  read(id: string): S | undefined {
    const pending = this.#pending.get(id);
    return pending === undefined ? this.table.get(id) : (pending.snapshot ?? undefined);
  }

  /** Buffers a save; the first write of an id keeps its `expectedVersion` for the commit check. */
  save(snapshot: S, expectedVersion: number): void {
    const id = this.table.idOf(snapshot);
    checkSave(this.table.aggregateType, id, snapshot.version, expectedVersion);
    this.#write(id, snapshot, expectedVersion);
  }

  /** Buffers a delete, checked against `expectedVersion` at commit. */
  delete(id: string, expectedVersion: number): void {
    checkExpectedVersion(this.table.aggregateType, id, expectedVersion);
    this.#write(id, null, expectedVersion);
  }

  /**
   * Snapshots filed under any of `keys` in index `name` that satisfy `matches`, as this transaction
   * sees them: committed hits overridden by buffered writes.
   */
  find(name: string, keys: readonly string[], matches: (snapshot: S) => boolean): S[] {
    const found: S[] = [];
    const seen = new Set<string>();
    for (const key of keys) {
      for (const id of this.table.lookup(name, key)) {
        if (seen.has(id) || this.#pending.has(id)) continue;
        seen.add(id);
        const snapshot = this.table.get(id);
        if (snapshot !== undefined && matches(snapshot)) found.push(snapshot);
      }
    }
    for (const { snapshot } of this.#pending.values()) {
      if (snapshot !== null && matches(snapshot)) found.push(snapshot);
    }
    return found;
  }

  /** Every snapshot this transaction sees. */
  all(): S[] {
    const found: S[] = [];
    for (const id of this.table.ids()) {
      const snapshot = this.#pending.has(id) ? undefined : this.table.get(id);
      if (snapshot !== undefined) found.push(snapshot);
    }
    for (const { snapshot } of this.#pending.values()) if (snapshot !== null) found.push(snapshot);
    return found;
  }

  /** The first buffered write whose expected version no longer matches committed state. */
  conflict(): ConcurrencyConflictError | undefined {
    for (const [id, { expectedVersion }] of this.#pending) {
      const actual = this.table.get(id)?.version ?? null;
      const ok = expectedVersion === 0 ? actual === null : actual === expectedVersion;
      if (!ok) return new ConcurrencyConflictError(this.table.aggregateType, id, expectedVersion, actual);
    }
    return undefined;
  }

  /** Writes the buffer to the table; call only after {@link conflict} found none. */
  apply(): void {
    for (const [id, { snapshot }] of this.#pending) {
      if (snapshot === null) this.table.remove(id);
      else this.table.put(id, snapshot);
    }
  }

  #write(id: string, snapshot: S | null, expectedVersion: number): void {
    const pending = this.#pending.get(id);
    if (pending === undefined) this.#pending.set(id, { expectedVersion, snapshot });
    else pending.snapshot = snapshot;
  }
}

