import { describe, expect, it, vi } from 'vitest';
import type { EventProcessor } from '../../src/application/processors/index';
import type { DeadLetter } from '../../src/storage/processor-store';
import { createInMemoryStorage } from '../../src/testing';
import { appendEvents, caughtUp, recordingLogger, stopWithin, until, useProcessors, within } from './support';

// The claim, renewal, balancing and batch loop of an EventProcessor: what its store sees, what it
// logs, and when it pauses. Tests that freeze `Date` (the lease clock the loop reads) use within(),
// which counts checks instead of reading the clock.

const processor = useProcessors();

/** Resolves after `rounds` more rounds of the loop (each round sends one heartbeat). */
async function rounds(heartbeats: { readonly mock: { readonly calls: readonly unknown[] } }, rounds: number): Promise<void> {
  const from = heartbeats.mock.calls.length;
  await within(`${rounds} rounds`, () => heartbeats.mock.calls.length >= from + rounds);
}

/** The owner of each key, by key. */
async function owners(p: EventProcessor): Promise<Record<string, string | undefined>> {
  return Object.fromEntries((await p.status()).map((s) => [s.processor, s.owner]));
}

describe('EventProcessor loop', () => {
  it('logs its claims, dead letters and the keys a rebuild drops, with their fields', async () => {
    const storage = createInMemoryStorage();
    await appendEvents(storage, 3);
    const log = recordingLogger();
    const p = processor(storage, (stored) => {
      if (stored.position === 2) throw new Error('card declined');
    }, { attempts: 1, logger: log.logger });
    p.start();
    await caughtUp(p);
    expect(log.at('info')).toEqual([{ level: 'info', message: 'processor billing: claimed billing at position 0', fields: { processor: 'billing', epoch: 1 } }]);
    expect(log.at('error')).toEqual([{ level: 'error', message: 'processor billing: position 2 failed 1 times; dead-lettered', fields: { processor: 'billing', position: 2, error: 'Error: card declined' } }]);
    expect(log.at('warn')).toEqual([]);
    await p.rebuild(3);
    expect(log.at('warn')).toEqual([{ level: 'warn', message: 'processor billing: dropped billing: the processor is rebuilding', fields: { processor: 'billing' } }]);
  });

  it('a rebuild during a batch drops the key once, and the batch\'s refused checkpoint is no error', async () => {
    const storage = createInMemoryStorage();
    await appendEvents(storage, 3);
    const log = recordingLogger();
    const handled: number[] = [];
    let rebuilt = false;
    const p = processor(storage, async (stored) => {
      handled.push(stored.position);
      if (stored.position === 2 && !rebuilt) {
        rebuilt = true;
        await p.rebuild(1);
      }
    }, { logger: log.logger });
    p.start();
    await until(() => rebuilt, [p]);
    await caughtUp(p);
    expect(handled).toEqual([1, 2, 3, 2, 3]);
    expect(log.at('warn').map((l) => l.message)).toEqual(['processor billing: dropped billing: the processor is rebuilding']);
    expect(log.at('error')).toEqual([]);
  });

  it('renews an idle lease once a third of it has passed, not before, and keeps the key', async () => {
    const storage = createInMemoryStorage();
    await appendEvents(storage, 1);
    const log = recordingLogger();
    const renews = vi.spyOn(storage.processors, 'renew');
    const heartbeats = vi.spyOn(storage.processors, 'heartbeat');
    vi.useFakeTimers({ toFake: ['Date'] });
    const p = processor(storage, () => undefined, { leaseMs: 300, owner: 'a', logger: log.logger });
    p.start();
    await within('caught up', async () => (await p.status())[0]?.position === 1);
    await rounds(heartbeats, 10);
    expect(renews).not.toHaveBeenCalled();
    vi.setSystemTime(Date.now() + 100);
    await rounds(heartbeats, 10);
    expect(renews).toHaveBeenCalledTimes(1);
    expect(log.at('warn')).toEqual([]);
    expect(await owners(p)).toEqual({ billing: 'a' });
  });

  it('drops a key whose renewal is refused (another replica reset it) and claims it again from the new checkpoint', async () => {
    const storage = createInMemoryStorage();
    await appendEvents(storage, 2);
    const log = recordingLogger();
    const handled: number[] = [];
    vi.useFakeTimers({ toFake: ['Date'] });
    const p = processor(storage, (stored) => void handled.push(stored.position), { leaseMs: 300, logger: log.logger });
    p.start();
    await within('caught up', async () => (await p.status())[0]?.position === 2);
    await storage.processors.reset('billing', 0);
    vi.setSystemTime(Date.now() + 100);
    await within('handled again', () => handled.length === 4);
    expect(handled).toEqual([1, 2, 1, 2]);
    expect(log.at('warn').map((l) => l.message)).toEqual(['processor billing: dropped billing: its lease was lost']);
  });

  it('holds at most its fair share of partitions, gives the surplus up when a member joins, and then stays put', async () => {
    const storage = createInMemoryStorage();
    const heartbeats = vi.spyOn(storage.processors, 'heartbeat');
    const p = processor(storage, () => undefined, { partitions: 3, owner: 'a' });
    p.start();
    await within('a holds all three', async () => Object.values(await owners(p)).filter((o) => o === 'a').length === 3);
    await storage.processors.heartbeat('billing', 'ghost', 60_000);
    await within('a holds two', async () => Object.values(await owners(p)).filter((o) => o === 'a').length === 2);
    const settled = await p.status();
    await rounds(heartbeats, 20);
    expect(await p.status()).toEqual(settled.map((s) => ({ ...s, leaseRemainingMs: expect.any(Number) })));
    expect(await owners(p)).toEqual({ 'billing#0': 'a', 'billing#1': 'a', 'billing#2': undefined });
  });

  it('does not try to claim a key another replica holds, nor a key beyond its partitions', async () => {
    const storage = createInMemoryStorage();
    await storage.processors.claim('billing#1', 'other', 60_000);
    const claims = vi.spyOn(storage.processors, 'claim');
    const heartbeats = vi.spyOn(storage.processors, 'heartbeat');
    const p = processor(storage, () => undefined, { partitions: 2, owner: 'a' });
    p.start();
    await within('a holds billing#0', async () => (await owners(p))['billing#0'] === 'a');
    await rounds(heartbeats, 20);
    expect(claims.mock.calls.map((call) => call[0])).toEqual(['billing#0']);
    expect(await owners(p)).toEqual({ 'billing#0': 'a', 'billing#1': 'other' });
  });

  it('passes over a key another replica claimed first, without a failed round', async () => {
    const storage = createInMemoryStorage();
    const log = recordingLogger();
    const store = storage.processors;
    const claim = store.claim.bind(store);
    vi.spyOn(store, 'claim').mockImplementation(async (key, owner, leaseMs) => {
      if (key === 'billing#0' && owner === 'a') await claim(key, 'other', 60_000);
      return claim(key, owner, leaseMs);
    });
    const heartbeats = vi.spyOn(store, 'heartbeat');
    const p = processor(storage, () => undefined, { partitions: 2, owner: 'a', logger: log.logger });
    p.start();
    await within('a holds billing#1', async () => (await owners(p))['billing#1'] === 'a');
    await rounds(heartbeats, 5);
    expect(log.at('error')).toEqual([]);
    expect(await owners(p)).toEqual({ 'billing#0': 'other', 'billing#1': 'a' });
  });

  it('logs a failed round and waits its poll interval before the next', async () => {
    const storage = createInMemoryStorage();
    const log = recordingLogger();
    const heartbeats = vi.spyOn(storage.processors, 'heartbeat').mockImplementation(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      throw new Error('database down');
    });
    const p = processor(storage, () => undefined, { pollMs: 60_000, logger: log.logger });
    p.start();
    await within('a round failed', () => log.at('error').length > 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(heartbeats).toHaveBeenCalledTimes(1);
    expect(log.at('error')).toEqual([{ level: 'error', message: 'processor billing: round failed; retrying', fields: { processor: 'billing', error: 'Error: database down' } }]);
  });

  it('reads on without pausing while any held partition has events', async () => {
    const storage = createInMemoryStorage();
    await appendEvents(storage, 10);
    await storage.processors.reset('billing#1', 10);
    // billing#0 has ten events to read two at a time, billing#1 none: a pause of pollMs between
    // batches would hold the test for a minute.
    const p = processor(storage, () => undefined, { partitions: 2, batchSize: 2, pollMs: 60_000 });
    p.start();
    await caughtUp(p);
  });

  /**
   * Runs a processor over events of the given kinds, failing (once) the store write that ends the
   * first batch; answers what the handler and the store saw.
   */
  async function failAtBatchEnd(kinds: readonly ('committed' | 'fails' | 'handled')[], streams: readonly number[]) {
    const storage = createInMemoryStorage();
    for (const [i, stream] of streams.entries()) await appendEvents(storage, 1, 1000, stream + 1000 * i);
    const log = recordingLogger();
    const calls = new Map<number, number>();
    const store = storage.processors;
    const advance = store.advance.bind(store);
    const written: number[] = [];
    let failed = false;
    vi.spyOn(store, 'advance').mockImplementation(async (claim, position, work, parked) => {
      if (!failed && position === kinds.length && (parked ?? []).length === 0) {
        failed = true;
        throw new Error('storage offline');
      }
      const result = await advance(claim, position, work, parked);
      written.push(...(parked ?? []).map((letter: DeadLetter) => letter.position));
      return result;
    });
    const p = processor(storage, async (stored, context) => {
      calls.set(stored.position, (calls.get(stored.position) ?? 0) + 1);
      const kind = kinds[stored.position - 1];
      if (kind === 'fails') throw new Error('card declined');
      if (kind === 'committed') await context.transaction(async () => undefined);
    }, { attempts: 1, logger: log.logger });
    p.start();
    await caughtUp(p);
    await stopWithin(p);
    return { calls: Object.fromEntries(calls), written, letters: (await p.deadLetters()).map((l) => [l.position, l.attempts]), log };
  }

  it('a batch whose last write fails resumes after the events it settled: a committed event is not handled again', async () => {
    const { calls, log } = await failAtBatchEnd(['committed', 'handled'], [1, 2]);
    expect(calls).toEqual({ 1: 1, 2: 2 });
    expect(log.at('error')).toEqual([{ level: 'error', message: 'processor billing: round failed; retrying', fields: { processor: 'billing', error: 'Error: storage offline' } }]);
    expect(log.at('warn')).toEqual([]);
  });

  it('a batch whose last write fails resumes after the events it settled: a dead letter is written once', async () => {
    const { calls, written, letters } = await failAtBatchEnd(['fails', 'handled'], [1, 2]);
    expect(calls).toEqual({ 1: 1, 2: 2 });
    expect(written).toEqual([1]);
    expect(letters).toEqual([[1, 1]]);
  });

  it('a batch whose last write fails resumes after the events it settled: a parked event is written once', async () => {
    const { calls, written, letters } = await failAtBatchEnd(['fails', 'fails', 'handled'], [1, 1, 2]);
    expect(calls).toEqual({ 1: 1, 3: 2 });
    expect(written).toEqual([1, 2]);
    expect(letters).toEqual([[1, 1], [2, 0]]);
  });

  it('a checkpoint refused at the end of a batch (another replica reset the key) drops the key with a warning, not an error', async () => {
    const storage = createInMemoryStorage();
    await appendEvents(storage, 3);
    const log = recordingLogger();
    const handled: number[] = [];
    const p = processor(storage, async (stored) => {
      handled.push(stored.position);
      if (stored.position === 2 && handled.length === 2) await storage.processors.reset('billing', 1);
    }, { logger: log.logger });
    p.start();
    await caughtUp(p);
    expect(handled).toEqual([1, 2, 3, 2, 3]);
    expect(log.at('warn')).toEqual([{ level: 'warn', message: 'processor billing: dropped billing: another replica holds it now', fields: { processor: 'billing' } }]);
    expect(log.at('error')).toEqual([]);
  });

  it('stores the checkpoint of committed events once, with their transactions', async () => {
    const storage = createInMemoryStorage();
    await appendEvents(storage, 3);
    const advances = vi.spyOn(storage.processors, 'advance');
    const p = processor(storage, async (_stored, context) => context.transaction(async () => undefined));
    p.start();
    await caughtUp(p);
    await stopWithin(p);
    expect(advances.mock.calls.map((call) => call[1])).toEqual([1, 2, 3]);
  });

  it('renews its lease during a batch once a third of it has passed since the last renewal, and only then', async () => {
    const storage = createInMemoryStorage();
    await appendEvents(storage, 4);
    const log = recordingLogger();
    const renews = vi.spyOn(storage.processors, 'renew');
    const handled: number[] = [];
    vi.useFakeTimers({ toFake: ['Date'] });
    const p = processor(storage, (stored) => {
      handled.push(stored.position);
      if (stored.position % 2 === 0) vi.setSystemTime(Date.now() + 100);
    }, { leaseMs: 300, logger: log.logger });
    p.start();
    await within('caught up', async () => (await p.status())[0]?.position === 4);
    await stopWithin(p);
    expect(renews).toHaveBeenCalledTimes(2);
    expect(handled).toEqual([1, 2, 3, 4]);
    expect(log.at('warn')).toEqual([]);
  });

  it('stops a batch at the first refused renewal (another replica reset the key) instead of handling the rest', async () => {
    const storage = createInMemoryStorage();
    await appendEvents(storage, 4);
    const handled: number[] = [];
    vi.useFakeTimers({ toFake: ['Date'] });
    const p = processor(storage, async (stored) => {
      handled.push(stored.position);
      if (stored.position === 1 && handled.length === 1) {
        await storage.processors.reset('billing', 1);
        vi.setSystemTime(Date.now() + 100);
      }
    }, { leaseMs: 300 });
    p.start();
    await within('caught up', async () => (await p.status())[0]?.position === 4);
    await stopWithin(p);
    expect(handled).toEqual([1, 2, 3, 4]);
  });
});
