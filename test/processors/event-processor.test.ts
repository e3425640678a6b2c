import { describe, expect, it, vi } from 'vitest';
import { EventProcessor, type ProcessorHandler } from '../../src/application/processors/index';
import { createInMemoryStorage, type InMemoryStorage } from '../../src/testing';
import { appendEvents, caughtUp, numberOf, recordingLogger, stopWithin, until, useProcessors } from './support';

const processor = useProcessors();

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
    await expect(p.whenCaughtUp(50)).rejects.toMatchObject({
      code: 'PROCESSOR_NOT_CAUGHT_UP',
      message: 'Processor billing did not reach position 2 within 50 ms (behind: billing#0, billing#1). Is a replica running it (start())? Are its handlers slow or retrying?',
      details: { head: 2, behind: ['billing#0', 'billing#1'] },
    });
  });

  it('whenCaughtUp judges each partition by its own checkpoint', async () => {
    const storage = createInMemoryStorage();
    await appendEvents(storage, 2);
    await storage.processors.reset('billing#0', 2);
    const p = processor(storage, () => undefined, { partitions: 2 });
    await expect(p.whenCaughtUp(50)).rejects.toMatchObject({ code: 'PROCESSOR_NOT_CAUGHT_UP', details: { head: 2, behind: ['billing#1'] } });
    await storage.processors.reset('billing#1', 2);
    await expect(p.whenCaughtUp(50)).resolves.toBeUndefined();
  });

  it('whenCaughtUp(0) rejects at once when behind, without waiting for the clock to move', async () => {
    const storage = createInMemoryStorage();
    await appendEvents(storage, 1);
    const p = processor(storage, () => undefined);
    vi.useFakeTimers({ toFake: ['Date'] });
    const outcome = await Promise.race([
      p.whenCaughtUp(0).then(
        () => 'resolved',
        (error: { code?: string }) => error.code,
      ),
      new Promise((resolve) => setTimeout(() => resolve('still waiting'), 1000)),
    ]);
    expect(outcome).toBe('PROCESSOR_NOT_CAUGHT_UP');
  });

  it('whenCaughtUp checks at least every 50 ms, however long the processor\'s own poll interval', async () => {
    const storage = createInMemoryStorage();
    await appendEvents(storage, 3);
    const idle = processor(storage, () => undefined, { pollMs: 60_000, owner: 'idle' });
    const worker = processor(storage, () => undefined, { owner: 'worker' });
    const waiting = caughtUp(idle);
    await new Promise((resolve) => setTimeout(resolve, 20));
    worker.start();
    await waiting;
  });

  it('start() is idempotent: a second call does not start a second loop handling the same events', async () => {
    const storage = createInMemoryStorage();
    await appendEvents(storage, 5);
    const handled: number[] = [];
    const p = processor(storage, (stored) => void handled.push(stored.position));
    p.start();
    p.start();
    await caughtUp(p);
    await stopWithin(p);
    expect(handled).toEqual([1, 2, 3, 4, 5]);
  });

  it('stops after the event in hand: the rest of the batch is left to the next holder', async () => {
    const storage = createInMemoryStorage();
    await appendEvents(storage, 10);
    const handled: number[] = [];
    let stopped: Promise<void> | undefined;
    const p = processor(storage, (stored) => {
      handled.push(stored.position);
      if (stored.position === 3) stopped = p.stop();
    });
    p.start();
    await until(() => stopped !== undefined, [p]);
    await stopWithin({ stop: () => stopped! });
    expect(handled).toEqual([1, 2, 3]);
    expect((await p.status())[0]).toMatchObject({ position: 3, owner: undefined });
  });

  it('a stop during a retry\'s backoff returns at once and leaves the event unhandled, neither skipped nor dead-lettered', async () => {
    const storage = createInMemoryStorage();
    await appendEvents(storage, 3);
    const log = recordingLogger();
    const calls: number[] = [];
    let stopped: Promise<void> | undefined;
    const p = processor(storage, (stored) => {
      calls.push(stored.position);
      if (stored.position !== 2) return;
      stopped ??= p.stop();
      throw new Error('card declined');
    }, { attempts: 3, backoffMs: 60_000, maxBackoffMs: 60_000, logger: log.logger });
    p.start();
    await until(() => stopped !== undefined, [p]);
    await stopWithin({ stop: () => stopped! });
    expect(calls).toEqual([1, 2]);
    expect((await p.status())[0]!.position).toBe(1);
    expect(await p.deadLetters()).toEqual([]);
    expect(log.at('error')).toEqual([]);
  });

  it('parks a later event of a dead-lettered aggregate that arrives in a later batch', async () => {
    const storage = createInMemoryStorage();
    await appendEvents(storage, 3, 3); // r-1: 1, r-2: 2, r-0: 3
    const handled: number[] = [];
    const p = processor(storage, (stored) => {
      if (stored.event.aggregateId === 'r-1') throw new Error('billing service down');
      handled.push(stored.position);
    }, { attempts: 1 });
    p.start();
    await caughtUp(p);
    await appendEvents(storage, 3, 3, 4); // r-1: 4, r-2: 5, r-0: 6
    await caughtUp(p);
    expect(handled).toEqual([2, 3, 5, 6]);
    expect((await p.deadLetters()).map((l) => [l.position, l.attempts, l.error])).toEqual([
      [1, 1, 'Error: billing service down'],
      [4, 0, 'parked behind an earlier dead letter of request:r-1'],
    ]);
  });

  it('replays only the letters at the positions asked for', async () => {
    const storage = createInMemoryStorage();
    await appendEvents(storage, 3, 3);
    let broken = true;
    const p = processor(storage, (stored) => {
      if (broken && stored.position !== 3) throw new Error('billing service down');
    }, { attempts: 1 });
    p.start();
    await caughtUp(p);
    await stopWithin(p);
    broken = false;
    expect(await p.replayDeadLetters([2])).toEqual({ replayed: 1, failed: [] });
    expect((await p.deadLetters()).map((l) => l.position)).toEqual([1]);
  });

  async function lettersOfOneStream(): Promise<{ p: EventProcessor; storage: InMemoryStorage; handle: { replay?: (stored: number) => Promise<void> } }> {
    const storage = createInMemoryStorage();
    await appendEvents(storage, 4, 3); // r-1: 1 and 4
    let broken = true;
    const handle: { replay?: (position: number) => Promise<void> } = {};
    const p = processor(storage, async (stored) => {
      if (broken && stored.position === 1) throw new Error('billing service down');
      await handle.replay?.(stored.position);
    }, { attempts: 1 });
    p.start();
    await caughtUp(p);
    await stopWithin(p);
    broken = false;
    expect((await p.deadLetters()).map((l) => [l.position, l.attempts])).toEqual([[1, 1], [4, 0]]);
    return { p, storage, handle };
  }

  it('a replay passes over a letter another replay settled meanwhile, and goes on with its stream', async () => {
    const { p, handle } = await lettersOfOneStream();
    let nested: unknown;
    handle.replay = async (position) => {
      if (position !== 1 || nested !== undefined) return;
      nested = 'running';
      nested = await p.replayDeadLetters([1]);
    };
    expect(await p.replayDeadLetters()).toEqual({ replayed: 1, failed: [] });
    expect(nested).toEqual({ replayed: 1, failed: [] });
    expect(await p.deadLetters()).toEqual([]);
  });

  it('a replay reports a letter it could not settle, and skips the rest of its stream', async () => {
    const { p, storage } = await lettersOfOneStream();
    vi.spyOn(storage.processors, 'settle').mockRejectedValue(new Error('storage offline'));
    expect(await p.replayDeadLetters()).toEqual({
      replayed: 0,
      failed: [
        { position: 1, stream: 'request:r-1', error: 'Error: storage offline' },
        { position: 4, stream: 'request:r-1', error: 'skipped: an earlier letter of this stream failed again' },
      ],
    });
  });

  it('rebuild refuses a position that is not a whole number >= 0, changing nothing; 0 rebuilds the whole log', async () => {
    const storage = createInMemoryStorage();
    const p = processor(storage, () => undefined);
    for (const position of [-1, 1.5, Number.NaN]) {
      await expect(p.rebuild(position)).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        message: `Invalid processor rebuild: position: must be a whole number >= 0, got ${position}. Correct these fields and try again.`,
        issues: [{ path: 'position', constraint: 'isInt', message: `must be a whole number >= 0, got ${position}` }],
      });
    }
    expect(await p.status()).toEqual([]);
    await p.rebuild(0);
    expect(await p.status()).toMatchObject([{ processor: 'billing', position: 0, epoch: 1 }]);
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
