import { describe, expect, it } from 'vitest';
import { COLLECTIONS, templatesProjection, type Projection } from '../../src/application/read-models/projections';
import { Projector } from '../../src/application/read-models/projector';
import type { DomainEvent } from '../../src/domain/shared/domain-event';
import { isKernelError, type EventBus, type EventMessage, type Logger } from '../../src/kernel';
import type { Instrumentation } from '../../src/kernel/instrumentation';
import { currentScope } from '../../src/kernel/scope';
import type { EventLog, StoredEvent } from '../../src/storage/event-log';
import type { ReadModelQuery, ReadModelStore } from '../../src/storage/read-model-store';
import type { Storage } from '../../src/storage/storage';
import { createInMemoryStorage } from '../../src/testing';

/** An event log over an array, recording the `after` of every read. */
class ArrayLog implements EventLog {
  readonly events: StoredEvent[] = [];
  readonly reads: number[] = [];

  async readAfter(after: number, limit: number): Promise<StoredEvent[]> {
    this.reads.push(after);
    return this.events.slice(after, after + limit);
  }

  async head(): Promise<number> {
    return this.events.length;
  }

  /** Appends `count` events (of `type` about `aggregateType`; `schemaVersion` 99: one this release cannot read). */
  append(count: number, { aggregateType = 'Host', type = 'HostNoted', schemaVersion }: { aggregateType?: string; type?: string; schemaVersion?: number } = {}): void {
    for (let i = 0; i < count; i++) {
      const position = this.events.length + 1;
      const event = { eventId: `evt-${position}`, type, aggregateType, aggregateId: `agg-${position}`, aggregateVersion: 1, occurredAt: '2026-01-01T00:00:00.000Z', data: { template: { templateId: `agg-${position}` } }, correlationId: 'corr-1', ...(schemaVersion === undefined ? {} : { schemaVersion }) };
      this.events.push({ position, event: event as unknown as DomainEvent });
    }
  }
}

/** A read-model store over an in-memory one that records its calls and the scope each ran in. */
function recordingStore(): { store: ReadModelStore; calls: string[]; scopes: (string | undefined)[]; queries: [string, ReadModelQuery][]; failPuts: Set<string> } {
  const inner = createInMemoryStorage().readModels;
  const calls: string[] = [];
  const scopes: (string | undefined)[] = [];
  const queries: [string, ReadModelQuery][] = [];
  const failPuts = new Set<string>();
  const seen = (call: string) => {
    calls.push(call);
    scopes.push(currentScope()?.messageId);
  };
  const store: ReadModelStore = {
    get: (c, id) => (seen(`get ${c}`), inner.get(c, id)),
    getMany: (c, ids) => (seen(`getMany ${c}`), inner.getMany(c, ids)),
    put: async (c, d) => {
      seen(`put ${c}`);
      if (failPuts.has(c)) throw new Error(`cannot write ${c}`);
      return inner.put(c, d);
    },
    putMany: async (c, ds) => {
      seen(`putMany ${c}`);
      if (failPuts.has(c)) throw new Error(`cannot write ${c}`);
      return inner.putMany!(c, ds);
    },
    delete: (c, id) => (seen(`delete ${c}`), inner.delete(c, id)),
    query: (c, q) => (seen(`query ${c}`), queries.push([c, q]), inner.query(c, q)),
  };
  return { store, calls, scopes, queries, failPuts };
}

interface Setup {
  projector: Projector;
  log: ArrayLog;
  delivered: EventMessage[];
  errors: [string, unknown][];
  store: ReturnType<typeof recordingStore>;
}

/** A projector over an {@link ArrayLog}, started at its (empty) head, delivering to a recording bus. */
async function setup(projections: readonly Projection[], instrumentation?: Instrumentation): Promise<Setup> {
  const log = new ArrayLog();
  const store = recordingStore();
  const delivered: EventMessage[] = [];
  const errors: [string, unknown][] = [];
  const bus = { publish: async (events: readonly EventMessage[]) => void delivered.push(...events) } as unknown as EventBus;
  const logger: Logger = { debug() {}, info() {}, warn() {}, error: (message, fields) => void errors.push([message, fields]) };
  const storage = { eventLog: log, readModels: store.store } as unknown as Storage;
  const projector = new Projector(storage, projections, bus, logger, instrumentation);
  await projector.start();
  return { projector, log, delivered, errors, store };
}

/** A host projection recording the positions it applied; `fail(position)` decides when it throws. */
function recorder(name: string, fail: (position: number) => boolean = () => false): Projection & { applied: number[]; scopes: (string | undefined)[] } {
  const applied: number[] = [];
  const scopes: (string | undefined)[] = [];
  return {
    name,
    collections: [name],
    applied,
    scopes,
    async apply(stored) {
      scopes.push(currentScope()?.messageId);
      if (fail(stored.position)) throw new Error(`${name} cannot apply ${stored.position}`);
      applied.push(stored.position);
    },
  };
}

const positions = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('Projector: batches', () => {
  it('applies and delivers a log longer than one batch (2,000 events) in one catch-up, reading each batch once', async () => {
    const host = recorder('host');
    const { projector, log, delivered } = await setup([host]);
    log.append(2001);
    await projector.catchUp();
    expect(host.applied).toEqual(positions(1, 2001));
    expect(delivered.map((e) => (e as unknown as { eventId: string }).eventId)).toEqual(positions(1, 2001).map((p) => `evt-${p}`));
    // Projections: 0 (full batch), 2000 (the tail). Delivery: it did not start from that tail, so 0 and 2000 again.
    expect(log.reads).toEqual([0, 2000, 0, 2000]);
    expect(projector.status()).toEqual([{ projection: 'host', position: 2001 }]);
  });

  it('reads a short tail once and delivers it from that same read', async () => {
    const host = recorder('host');
    const { projector, log, delivered } = await setup([host]);
    log.append(3);
    await projector.catchUp();
    expect(host.applied).toEqual([1, 2, 3]);
    expect(delivered).toHaveLength(3);
    expect(log.reads).toEqual([0]);
  });

  it('loads the documents a batch is about with one getMany per collection, never one get per event', async () => {
    const { projector, log, store } = await setup([templatesProjection]);
    log.append(5, { aggregateType: 'Template', type: 'TemplateCreated' });
    await projector.catchUp();
    expect(store.calls).toEqual([`getMany ${COLLECTIONS.checkpoints}`, 'getMany templates', 'putMany templates', `put ${COLLECTIONS.checkpoints}`]);
  });
});

describe('Projector: failures', () => {
  it('logs a failing projection with the position it will retry from and the error', async () => {
    const { projector, log, errors } = await setup([recorder('flaky', () => true)]);
    log.append(1);
    await projector.catchUp();
    expect(errors).toEqual([['projection flaky failed at position 1; it will retry from there', { projection: 'flaky', error: 'flaky cannot apply 1' }]]);
  });

  it('writes no checkpoint for a projection that failed at its first event', async () => {
    const good = recorder('good');
    const { projector, log, store } = await setup([recorder('flaky', () => true), good]);
    log.append(2);
    await projector.catchUp();
    expect(good.applied).toEqual([1, 2]);
    expect(await store.store.getMany(COLLECTIONS.checkpoints, ['flaky', 'good'])).toEqual([{ id: 'good', position: 2 }]);
  });

  it('reports a failure at once: a later projection of the same round sees it in status()', async () => {
    let seen: unknown;
    const { projector, log } = await setup([
      recorder('flaky', () => true),
      { name: 'watcher', collections: [], apply: async () => void (seen ??= projector.status()) },
    ]);
    log.append(1);
    await projector.catchUp();
    expect(seen).toEqual([{ projection: 'flaky', position: 0, error: new Error('flaky cannot apply 1') }, { projection: 'watcher', position: 0 }]);
  });

  it('retries a failed projection on the next catchUpIfBehind even when the log has not grown', async () => {
    let broken = true;
    const flaky = recorder('flaky', () => broken);
    const { projector, log } = await setup([flaky]);
    log.append(1);
    await projector.catchUp();
    expect(projector.status()[0]!.error).toBeInstanceOf(Error);
    broken = false;
    await projector.catchUpIfBehind();
    expect(flaky.applied).toEqual([1]);
    expect(projector.status()).toEqual([{ projection: 'flaky', position: 1 }]);
    const reads = log.reads.length;
    await projector.catchUpIfBehind();
    expect(log.reads).toHaveLength(reads);
  });

  it('stops every projection just before an unreadable event that follows readable ones, keeping an earlier failure as it was', async () => {
    const good = recorder('good');
    const { projector, log, delivered, errors } = await setup([recorder('flaky', (p) => p === 1), good]);
    log.append(2);
    log.append(1, { schemaVersion: 99 });
    log.append(1);
    await projector.catchUp();
    expect(good.applied).toEqual([1, 2]);
    const [flaky, stopped] = projector.status();
    expect(flaky).toEqual({ projection: 'flaky', position: 0, error: new Error('flaky cannot apply 1') });
    expect(stopped!.position).toBe(2);
    expect(isKernelError(stopped!.error, 'SCHEMA_VERSION_UNSUPPORTED'), String(stopped!.error)).toBe(true);
    expect(errors.map(([message]) => message)).toEqual(['projection flaky failed at position 1; it will retry from there', 'projection good failed at position 3; it will retry from there']);
    expect(delivered).toHaveLength(2);
  });
});

describe('Projector: instrumentation', () => {
  /** Instrumentation that records how each unit of work ended. */
  function recordingInstrumentation(refuse = false): Instrumentation & { outcomes: unknown[] } {
    const outcomes: unknown[] = [];
    return {
      outcomes,
      carrier: () => undefined,
      async wrap(_unit, work) {
        if (refuse) throw new Error('no span for you');
        try {
          const result = await work();
          outcomes.push('ok');
          return result;
        } catch (error) {
          outcomes.push(error);
          throw error;
        }
      },
    };
  }

  it('fails the instrumented unit of a batch that stops at a failing event, but not the catch-up', async () => {
    const instrumentation = recordingInstrumentation();
    const { projector, log } = await setup([recorder('flaky', (p) => p === 2)], instrumentation);
    log.append(2);
    await projector.catchUp();
    expect(instrumentation.outcomes).toEqual([new Error('flaky cannot apply 2')]);
    expect(projector.status()).toEqual([{ projection: 'flaky', position: 1, error: new Error('flaky cannot apply 2') }]);
  });

  it('fails the catch-up with the instrumentation’s own error when it cannot run the work', async () => {
    const { projector, log } = await setup([recorder('host')], recordingInstrumentation(true));
    log.append(1);
    await expect(projector.catchUp()).rejects.toThrow(new Error('no span for you'));
  });

  it('applies the library projections in each event’s scope only under instrumentation', async () => {
    // The projection reads its documents while applying the first event (later puts are buffered and flushed after).
    const plain = await setup([templatesProjection]);
    plain.log.append(2, { aggregateType: 'Template', type: 'TemplateCreated' });
    await plain.projector.catchUp();
    expect(plain.store.calls[1]).toBe('getMany templates');
    expect(plain.store.scopes[1]).toBeUndefined();

    const instrumented = await setup([templatesProjection], recordingInstrumentation());
    instrumented.log.append(2, { aggregateType: 'Template', type: 'TemplateCreated' });
    await instrumented.projector.catchUp();
    expect(instrumented.store.calls[1]).toBe('getMany templates');
    expect(instrumented.store.scopes[1]).toBe('evt-1');
  });

  it('applies a host projection in each event’s scope without instrumentation', async () => {
    const host = recorder('host');
    const { projector, log } = await setup([host]);
    log.append(2);
    await projector.catchUp();
    expect(host.scopes).toEqual(['evt-1', 'evt-2']);
  });
});

describe('Projector: catch-ups', () => {
  it('runs another round for a catch-up asked while one runs, and makes an outside caller wait for it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const applied: number[] = [];
    const slow: Projection = {
      name: 'slow',
      collections: [],
      async apply(stored) {
        if (stored.position === 1) {
          entered();
          await gate;
        }
        applied.push(stored.position);
      },
    };
    const { projector, log } = await setup([slow]);
    log.append(1);
    const first = projector.catchUp();
    await inside;
    log.append(1);
    const second = projector.catchUp();
    release();
    await second;
    expect(applied).toEqual([1, 2]);
    await first;
  });

  it('rebuild empties the projections’ collections in pages of 1000 and replays the log into them', async () => {
    const host = recorder('host');
    const { projector, log, store } = await setup([host]);
    log.append(2);
    await projector.catchUp();
    await store.store.putMany!('host', Array.from({ length: 60 }, (_, i) => ({ id: `stray-${i}` })));
    await projector.rebuild();
    expect((await store.store.query('host', {})).total).toBe(0);
    expect(store.queries.filter(([c]) => c === 'host').map(([, q]) => q)).toEqual([{ limit: 1000 }, { limit: 1000 }, {}]);
    expect(host.applied).toEqual([1, 2, 1, 2]);
  });
});
