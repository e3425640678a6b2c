import { afterEach, describe, expect, it } from 'vitest';
import { EventProcessor, type EventProcessorOptions, type ProcessorHandler } from '../../src/application/processors/index';
import { createInMemoryStorage, type InMemoryStorage } from '../../src/testing';
import { appendEvents, caughtUp, numberOf, stopWithin, until } from './support';

const running: EventProcessor[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => stopWithin(p)));
});

function processor(storage: InMemoryStorage, handle: ProcessorHandler, options: Partial<EventProcessorOptions> = {}): EventProcessor {
  const p = new EventProcessor({ name: 'billing', handle, eventLog: storage.eventLog, store: storage.processors, pollMs: 5, backoffMs: 1, maxBackoffMs: 5, ...options });
  running.push(p);
  return p;
}

describe('EventProcessor', () => {
  it('hands every event to the handler once, in log order per aggregate, across two replicas and four partitions', async () => {
    const storage = createInMemoryStorage();
    await appendEvents(storage, 300, 17);
    const seen: { n: number; stream: string; by: string }[] = [];
    const handler = (by: string): ProcessorHandler => (stored) => void seen.push({ n: numberOf(stored.event), stream: stored.event.aggregateId, by });
    const a = processor(storage, handler('a'), { partitions: 4, owner: 'a' });
    const b = processor(storage, handler('b'), { partitions: 4, owner: 'b' });
    a.start();
    b.start();
    await caughtUp(a);
    expect(seen.map((s) => s.n).sort((x, y) => x - y)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    for (const stream of new Set(seen.map((s) => s.stream))) {
      const order = seen.filter((s) => s.stream === stream).map((s) => s.n);
      expect(order, `order of ${stream}`).toEqual([...order].sort((x, y) => x - y));
    }
    expect(new Set(seen.map((s) => s.by))).toEqual(new Set(['a', 'b']));
  });

  it('commits the handler\'s transaction with the checkpoint, so a write is made exactly once even when the handler fails after it', async () => {
    const storage = createInMemoryStorage();
    await appendEvents(storage, 3, 3);
    let calls = 0;
    const p = processor(storage, async (stored, context) => {
      if (stored.event.aggregateId.startsWith('effect-')) return;
      calls += 1;
      await context.transaction(async (tx) => tx.outbox.append([{ ...stored.event, eventId: `effect-${stored.position}`, aggregateId: `effect-${stored.position}` }]));
      if (stored.position === 2) throw new Error('failed after its transaction committed');
    });
    p.start();
    await caughtUp(p);
    const effects = storage.committedEvents().filter((s) => s.event.aggregateId.startsWith('effect-'));
    expect(effects.map((s) => s.event.eventId)).toEqual(['effect-1', 'effect-2', 'effect-3']);
    expect(calls).toBe(3);
    expect(await p.deadLetters()).toEqual([]);
  });

  it('retries with backoff, then dead-letters the event and parks the later events of its aggregate only; a replay handles them in order', async () => {
    const storage = createInMemoryStorage();
    await appendEvents(storage, 9, 3); // streams r-1: 1,4,7  r-2: 2,5,8  r-0: 3,6,9
    let broken = true;
    const attempts = new Map<number, number>();
    const handled: number[] = [];
    const p = processor(storage, (stored, context) => {
      const n = numberOf(stored.event);
      attempts.set(n, context.attempt);
      if (broken && n === 4) throw new Error('billing service down');
      handled.push(n);
    }, { attempts: 3 });
    p.start();
    await caughtUp(p);
    expect(attempts.get(4)).toBe(3);
    expect(handled).toEqual([1, 2, 3, 5, 6, 8, 9]);
    const letters = await p.deadLetters();
    expect(letters.map((l) => [l.position, l.attempts, l.stream])).toEqual([[4, 3, 'request:r-1'], [7, 0, 'request:r-1']]);
    expect(letters[0]!.error).toBe('Error: billing service down');

    // Still failing: the letter stays and the one behind it is not attempted.
    expect(await p.replayDeadLetters()).toMatchObject({ replayed: 0, failed: [{ position: 4 }, { position: 7, error: expect.stringMatching(/skipped/) }] });
    broken = false;
    expect(await p.replayDeadLetters()).toEqual({ replayed: 2, failed: [] });
    expect(handled.slice(-2)).toEqual([4, 7]);
    expect(await p.deadLetters()).toEqual([]);
  });

  it('rebuilds from a position: the events after it are handled again', async () => {
    const storage = createInMemoryStorage();
    await appendEvents(storage, 5);
    const handled: number[] = [];
    const p = processor(storage, (stored) => void handled.push(stored.position));
    p.start();
    await caughtUp(p);
    await p.rebuild(3);
    await appendEvents(storage, 1, 10, 6);
    await caughtUp(p);
    // At least once: a batch in flight when the reset landed may handle an event once more.
    expect(handled.slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
    expect(handled.slice(-3)).toEqual([4, 5, 6]);
  });

  it('whenCaughtUp rejects with PROCESSOR_NOT_CAUGHT_UP when no replica runs the processor', async () => {
    const storage = createInMemoryStorage();
    await appendEvents(storage, 2);
    const p = processor(storage, () => undefined, { partitions: 2 });
    await expect(p.whenCaughtUp(50)).rejects.toMatchObject({ code: 'PROCESSOR_NOT_CAUGHT_UP', details: { head: 2, behind: ['billing#0', 'billing#1'] } });
  });

  it('a replica that stops mid-way leaves the rest to another, which continues from the stored checkpoint', async () => {
    const storage = createInMemoryStorage();
    await appendEvents(storage, 50);
    const handled: number[] = [];
    const a = processor(storage, async (stored) => {
      handled.push(stored.position);
      if (stored.position === 20) void a.stop();
    }, { owner: 'a', batchSize: 10 });
    a.start();
    await until(() => handled.includes(20), [a]);
    const b = processor(storage, (stored) => void handled.push(stored.position), { owner: 'b' });
    b.start();
    await caughtUp(b);
    expect(new Set(handled).size).toBe(50);
  });

  it('refuses bad options naming each', () => {
    const storage = createInMemoryStorage();
    expect(() => new EventProcessor({ name: 'bad name', handle: undefined as never, eventLog: storage.eventLog, store: storage.processors, partitions: 0, leaseMs: 5 })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', issues: [expect.objectContaining({ path: 'name' }), expect.objectContaining({ path: 'handle' }), expect.objectContaining({ path: 'partitions' }), expect.objectContaining({ path: 'leaseMs' })] }),
    );
  });
});
