import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventBus, EventMessage, Logger } from '../../kernel';
import { type Instrumentation, type ProjectionLagSample } from '../../kernel/instrumentation';
import { eventScope, outsideScope, runInScope } from '../../kernel/scope';
import { readableEvents, type StoredEvent } from '../../storage/event-log';
import type { Storage } from '../../storage/storage';
import { putDocuments } from '../../storage/batch';
import { BatchedReadModelStore } from './batched-store';
import { COLLECTIONS, LIBRARY_PROJECTION_AGGREGATE, type Projection } from './projections';

/** Events read from the log per batch (and written to the read models per `putMany`). */
const BATCH = 2000;

/** The projector whose catch-up is running in the current async context, if any. */
const delivering = new AsyncLocalStorage<Projector>();

/** What one projection's last catch-up left behind. */
export interface ProjectionLag {
  readonly projection: string;
  readonly position: number;
  /** The error that stopped it, if the last catch-up failed. */
  readonly error?: unknown;
}

/**
 * Feeds committed events from the event log to the projections (each from its own persisted
 * checkpoint, strictly in order) and then to the kernel's event bus for the host's handlers. A
 * failing projection stops at the failing event and is retried from there on the next catch-up;
 * it never fails the command that triggered the catch-up.
 */
export class Projector {
  private running: Promise<void> | undefined;
  private again = false;
  private published: number | undefined;
  private starting: Promise<void> | undefined;
  /** Every projection and the event bus are known to be at least here (0 until a clean round). */
  private caughtUpTo = 0;
  private readonly lags = new Map<string, ProjectionLag>();
  /** Each projection's checkpoint as this process last read or wrote it (read on the first round). */
  private checkpoints: Map<string, number> | undefined;
  /** The last, short batch the round read: the log's tail after `after` at that moment. */
  private tail: { after: number; events: readonly StoredEvent[] } | undefined;

  constructor(
    private readonly storage: Storage,
    private readonly projections: readonly Projection[],
    private readonly events: EventBus,
    private readonly logger: Logger,
    private readonly instrumentation?: Instrumentation,
  ) {}

  /**
   * Starts host event delivery at the log's current head, so a new process does not replay history
   * to the host's event handlers. Idempotent; must resolve before this process first commits.
   */
  start(): Promise<void> {
    this.starting ??= this.storage.eventLog.head().then((head) => {
      this.published ??= head;
    });
    return this.starting;
  }

  /** Like {@link catchUp}, but only when the log has grown since the last clean catch-up (one `head()` read otherwise). */
  async catchUpIfBehind(): Promise<void> {
    if (this.running === undefined && (await this.storage.eventLog.head()) <= this.caughtUpTo) return;
    return this.catchUp();
  }

  /**
   * Resolves when every event committed before the call has been offered to every projection and to
   * the event bus. Called from inside a delivery (an event handler that runs a command), it only asks
   * the running catch-up for another round and resolves at once: waiting there would wait on itself.
   */
  catchUp(): Promise<void> {
    if (this.running !== undefined) {
      this.again = true;
      return delivering.getStore() === this ? Promise.resolve() : this.running;
    }
    const run = async (): Promise<void> => {
      await this.start();
      do {
        this.again = false;
        await delivering.run(this, () => this.round());
      } while (this.again);
    };
    this.running = run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Each projection's position and last error after the latest catch-up. */
  status(): ProjectionLag[] {
    return this.projections.map((p) => this.lags.get(p.name) ?? { projection: p.name, position: 0 });
  }

  /** How many committed events each projection has not applied yet (one event-log head read). */
  async lag(): Promise<ProjectionLagSample[]> {
    const head = await this.storage.eventLog.head();
    return this.status().map((s) => ({ projection: s.projection, lag: Math.max(0, head - s.position) }));
  }

  /** Clears the projections' collections and checkpoints and replays the whole log into them. */
  async rebuild(): Promise<void> {
    await this.catchUp();
    const store = this.storage.readModels;
    for (const projection of this.projections) {
      for (const collection of projection.collections) await clear(store, collection);
      await store.delete(COLLECTIONS.checkpoints, projection.name);
      this.lags.delete(projection.name);
    }
    this.caughtUpTo = 0;
    this.checkpoints = undefined;
    await this.catchUp();
  }

  /**
   * One pass over the log for every projection together: one read per batch of events, one
   * `getMany` per collection a batch touches, one `putMany` per collection written, and the
   * checkpoints read and written together ({@link BatchedReadModelStore}). Documents are written
   * before the checkpoints that cover them, so a crash between the two only replays events.
   */
  private async round(): Promise<void> {
    const store = this.storage.readModels;
    const names = this.projections.map((p) => p.name);
    // Checkpoints are read once per process; later rounds continue from where this one left them.
    this.checkpoints ??= new Map((await store.getMany<{ id: string; position: number }>(COLLECTIONS.checkpoints, names)).map((c) => [c.id, c.position]));
    const positions = new Map(names.map((name) => [name, this.checkpoints!.get(name) ?? 0]));
    const errors = new Map<string, unknown>();
    for (;;) {
      const active = this.projections.filter((p) => !errors.has(p.name));
      if (active.length === 0) break;
      const from = Math.min(...active.map((p) => positions.get(p.name)!));
      // An event this release cannot read stops every projection just before it (never skipped).
      const { events: batch, unreadable } = readableEvents(await this.storage.eventLog.readAfter(from, BATCH));
      this.tail = batch.length < BATCH && unreadable === undefined ? { after: from, events: batch } : undefined;
      if (batch.length === 0) {
        if (unreadable !== undefined) this.#stopAt(unreadable.error, active, positions, errors);
        break;
      }
      const buffered = new BatchedReadModelStore(store, [...new Set(batch.map((s) => s.event.aggregateId))]);
      const moved: { id: string; position: number }[] = [];
      for (const projection of active) {
        const position = positions.get(projection.name)!;
        const events = batch.filter((s) => s.position > position);
        if (events.length === 0) continue;
        const applied = await this.applyBatch(projection, events, buffered);
        try {
          await buffered.flush();
        } catch (error) {
          // The store refused this projection's writes: it stays where this batch found it.
          errors.set(projection.name, error);
          this.#failed(projection.name, position, error);
          continue;
        }
        if (applied.position !== position) {
          positions.set(projection.name, applied.position);
          moved.push({ id: projection.name, position: applied.position });
        }
        if (applied.error !== undefined) {
          errors.set(projection.name, applied.error);
          this.#failed(projection.name, applied.position, applied.error);
        } else {
          this.lags.set(projection.name, { projection: projection.name, position: applied.position });
        }
      }
      // A crash before the checkpoints are written only replays events the documents already saw.
      // In memory first: the documents are written, so even if the checkpoint write fails this
      // process never delivers these events again (another process may, idempotently).
      for (const { id, position } of moved) this.checkpoints.set(id, position);
      await putDocuments(store, COLLECTIONS.checkpoints, moved);
      if (unreadable !== undefined) {
        this.#stopAt(unreadable.error, active, positions, errors);
        break;
      }
      if (batch.length < BATCH) break;
    }
    let lowest = Number.POSITIVE_INFINITY;
    for (const name of names) {
      const position = positions.get(name)!;
      const error = errors.get(name);
      this.lags.set(name, errors.has(name) ? { projection: name, position, error } : { projection: name, position });
      lowest = Math.min(lowest, errors.has(name) ? -1 : position);
    }
    await this.publish();
    this.caughtUpTo = Math.max(0, Math.min(lowest, this.published ?? lowest));
  }

  /** {@link applyAll} as one unit of instrumented work, which fails when the batch stops at a failing event. */
  private async applyBatch(projection: Projection, batch: readonly StoredEvent[], store: Storage['readModels']): Promise<Applied> {
    if (this.instrumentation === undefined) return applyAll(projection, batch, store, undefined);
    let applied: Applied | undefined;
    try {
      await this.instrumentation.wrap({ kind: 'projection', projection: projection.name, events: batch }, async () => {
        applied = await applyAll(projection, batch, store, this.instrumentation);
        if (applied.error !== undefined) throw applied.error;
      });
    } catch (error) {
      if (applied === undefined) throw error;
    }
    return applied!;
  }

  /** Records `error` (an unreadable event) as the failure of every projection still running, where each stands. */
  #stopAt(error: unknown, active: readonly Projection[], positions: ReadonlyMap<string, number>, errors: Map<string, unknown>): void {
    for (const projection of active) {
      if (errors.has(projection.name)) continue;
      errors.set(projection.name, error);
      this.#failed(projection.name, positions.get(projection.name)!, error);
    }
  }

  #failed(name: string, position: number, error: unknown): void {
    this.lags.set(name, { projection: name, position, error });
    this.logger.error(`projection ${name} failed at position ${position + 1}; it will retry from there`, {
      projection: name,
      error: error instanceof Error ? error.message : String(error),
    });
  }

  /**
   * Committed events reach the event bus outside the dispatch that happens to drain them: it is not
   * the one that recorded them, so its scoped services (its caller, its transaction) must not leak
   * into their handlers. The events carry their own correlation and causation.
   */
  private deliver(events: readonly EventMessage[]): Promise<unknown> {
    return outsideScope(() => this.events.publish(events));
  }

  private async publish(): Promise<void> {
    if (this.published === undefined) return;
    const tail = this.tail;
    this.tail = undefined;
    if (tail !== undefined && tail.after <= this.published) {
      // The round just read the log's tail from at or before here: publish from it, no second read.
      const batch = tail.events.filter((s) => s.position > this.published!);
      if (batch.length === 0) return;
      this.published = batch[batch.length - 1]!.position;
      await this.deliver(batch.map((s) => s.event));
      return;
    }
    for (;;) {
      // Host handlers get the events before one this release cannot read; the projections report it.
      const { events: batch, unreadable } = readableEvents(await this.storage.eventLog.readAfter(this.published, BATCH));
      if (batch.length === 0) return;
      this.published = batch[batch.length - 1]!.position;
      await this.deliver(batch.map((s) => s.event));
      if (batch.length < BATCH || unreadable !== undefined) return;
    }
  }
}

interface Applied {
  readonly position: number;
  readonly error: unknown;
}

/** Applies `batch` in order, each event in its own scope, and stops at the first failure. */
async function applyAll(projection: Projection, batch: readonly StoredEvent[], store: Storage['readModels'], instrumentation: Instrumentation | undefined): Promise<Applied> {
  let position = batch[0]!.position - 1;
  // A library projection reads one aggregate type and, without instrumentation, needs no scope.
  const only = LIBRARY_PROJECTION_AGGREGATE.get(projection);
  const scoped = only === undefined || instrumentation !== undefined;
  for (const stored of batch) {
    try {
      if (only === undefined || stored.event.aggregateType === only) {
        await (scoped ? runInScope(eventScope(stored.event, instrumentation), () => projection.apply(stored, store)) : projection.apply(stored, store));
      }
    } catch (error) {
      return { position, error };
    }
    position = stored.position;
  }
  return { position, error: undefined };
}

async function clear(store: Storage['readModels'], collection: string): Promise<void> {
  for (;;) {
    const page = await store.query(collection, { limit: 1000 });
    if (page.items.length === 0) return;
    for (const doc of page.items) await store.delete(collection, doc.id);
  }
}
