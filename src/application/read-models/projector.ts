import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventBus, Logger } from '../../kernel';
import { type Instrumentation, type ProjectionLagSample } from '../../kernel/instrumentation';
import { eventScope, runInScope } from '../../kernel/scope';
import type { StoredEvent } from '../storage/event-log';
import type { Storage } from '../storage/storage';
import { COLLECTIONS, type Projection } from './projections';

const BATCH = 500;

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
    await this.catchUp();
  }

  private async round(): Promise<void> {
    const store = this.storage.readModels;
    let lowest = Number.POSITIVE_INFINITY;
    for (const projection of this.projections) {
      const checkpoint = await store.get<{ id: string; position: number }>(COLLECTIONS.checkpoints, projection.name);
      let position = checkpoint?.position ?? 0;
      let error: unknown;
      for (;;) {
        const batch = await this.storage.eventLog.readAfter(position, BATCH);
        if (batch.length === 0) break;
        const applied = await this.applyBatch(projection, batch);
        if (applied.position !== position) {
          position = applied.position;
          await store.put(COLLECTIONS.checkpoints, { id: projection.name, position });
        }
        if (applied.error !== undefined) {
          error = applied.error;
          this.logger.error(`projection ${projection.name} failed at position ${position + 1}; it will retry from there`, {
            projection: projection.name,
            error: applied.error instanceof Error ? applied.error.message : String(applied.error),
          });
          break;
        }
        if (batch.length < BATCH) break;
      }
      this.lags.set(projection.name, error === undefined ? { projection: projection.name, position } : { projection: projection.name, position, error });
      lowest = Math.min(lowest, error === undefined ? position : -1);
    }
    await this.publish();
    this.caughtUpTo = Math.max(0, Math.min(lowest, this.published ?? lowest));
  }

  /** {@link applyAll} as one unit of instrumented work, which fails when the batch stops at a failing event. */
  private async applyBatch(projection: Projection, batch: readonly StoredEvent[]): Promise<Applied> {
    if (this.instrumentation === undefined) return applyAll(projection, batch, this.storage.readModels, undefined);
    let applied: Applied | undefined;
    try {
      await this.instrumentation.wrap({ kind: 'projection', projection: projection.name, events: batch }, async () => {
        applied = await applyAll(projection, batch, this.storage.readModels, this.instrumentation);
        if (applied.error !== undefined) throw applied.error;
      });
    } catch (error) {
      if (applied === undefined) throw error;
    }
    return applied!;
  }

  private async publish(): Promise<void> {
    if (this.published === undefined) return;
    for (;;) {
      const batch = await this.storage.eventLog.readAfter(this.published, BATCH);
      if (batch.length === 0) return;
      this.published = batch[batch.length - 1]!.position;
      await this.events.publish(batch.map((s) => s.event));
      if (batch.length < BATCH) return;
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
  for (const stored of batch) {
    try {
      await runInScope(eventScope(stored.event, instrumentation), () => projection.apply(stored, store));
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
