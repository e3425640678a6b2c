import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoff, deliverWithRetries, errorText, partitionOf, type ProcessorHandler, type RetryPolicy } from '../../src/application/processors/delivery';
import type { StoredEvent } from '../../src/storage';
import { createInMemoryStorage, type InMemoryStorage } from '../../src/testing';
import { appendEvents } from './support';

afterEach(() => {
  vi.restoreAllMocks();
});

/** A store with one committed event, the claim of processor `billing` on it, and that event. */
async function delivery(): Promise<{ storage: InMemoryStorage; stored: StoredEvent; claim: NonNullable<Awaited<ReturnType<InMemoryStorage['processors']['claim']>>> }> {
  const storage = createInMemoryStorage();
  await appendEvents(storage, 1);
  const [stored] = await storage.eventLog.readAfter(0, 10);
  const claim = await storage.processors.claim('billing', 'replica-a', 10_000);
  return { storage, stored: stored!, claim: claim! };
}

const policy = (attempts: number): RetryPolicy => ({ attempts, backoffMs: 10, maxBackoffMs: 1_000 });

describe('backoff (the wait before a retry)', () => {
  it('doubles backoffMs from the second attempt on, up to maxBackoffMs', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5); // no jitter
    const retry: RetryPolicy = { attempts: 10, backoffMs: 100, maxBackoffMs: 5_000 };
    expect([2, 3, 4, 5, 6, 7, 8].map((next) => backoff(retry, next))).toEqual([100, 200, 400, 800, 1_600, 3_200, 5_000]);
  });

  it('jitters the wait by ±20 %', () => {
    const retry: RetryPolicy = { attempts: 10, backoffMs: 1_000, maxBackoffMs: 5_000 };
    const random = vi.spyOn(Math, 'random');
    const at = (value: number): number => {
      random.mockReturnValue(value);
      return backoff(retry, 2);
    };
    expect([at(0), at(0.25), at(0.5), at(0.75), at(0.9999)]).toEqual([800, 900, 1_000, 1_100, 1_200]);
  });
});

describe('deliverWithRetries', () => {
  it('waits the backoff before each retry, never before the first attempt', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const { storage, stored, claim } = await delivery();
    const waits: number[] = [];
    let calls = 0;
    const outcome = await deliverWithRetries(
      () => {
        calls += 1;
        throw new Error('down');
      },
      stored,
      'billing',
      storage.processors,
      claim,
      policy(3),
      async (ms) => {
        waits.push(ms);
        return true;
      },
    );
    expect(calls).toBe(3);
    expect(waits).toEqual([10, 20]);
    expect(outcome).toMatchObject({ kind: 'failed', attempts: 3, error: new Error('down') });
  });

  it('answers undefined without another attempt when the wait before a retry says the processor is stopping', async () => {
    const { storage, stored, claim } = await delivery();
    let calls = 0;
    const outcome = await deliverWithRetries(
      () => {
        calls += 1;
        throw new Error('down');
      },
      stored,
      'billing',
      storage.processors,
      claim,
      policy(3),
      async () => false,
    );
    expect(outcome).toBeUndefined();
    expect(calls).toBe(1);
  });

  it('ends committed when the handler committed its transaction, handled when it succeeded without one', async () => {
    const { storage, stored, claim } = await delivery();
    const committing: ProcessorHandler = async (_stored, context) => void (await context.transaction(async () => undefined));
    expect(await deliverWithRetries(committing, stored, 'billing', storage.processors, claim, policy(1), async () => true)).toEqual({ kind: 'committed' });
    const fresh = await delivery();
    expect(await deliverWithRetries(() => undefined, fresh.stored, 'billing', fresh.storage.processors, fresh.claim, policy(1), async () => true)).toEqual({ kind: 'handled' });
  });

  it('ends committed, without a retry, when the handler fails after its transaction committed', async () => {
    const { storage, stored, claim } = await delivery();
    let calls = 0;
    const outcome = await deliverWithRetries(
      async (_stored, context) => {
        calls += 1;
        await context.transaction(async () => undefined);
        throw new Error('failed after its transaction committed');
      },
      stored,
      'billing',
      storage.processors,
      claim,
      policy(3),
      async () => true,
    );
    expect(outcome).toEqual({ kind: 'committed' });
    expect(calls).toBe(1);
    expect((await storage.processors.states('billing'))[0]!.position).toBe(1);
  });

  it('rethrows PROCESSOR_LEASE_LOST at once instead of retrying or dead-lettering the event', async () => {
    const { storage, stored, claim } = await delivery();
    await storage.processors.reset('billing', 0); // fences the claim out
    let calls = 0;
    const delivered = deliverWithRetries(
      async (_stored, context) => {
        calls += 1;
        await context.transaction(async () => undefined);
      },
      stored,
      'billing',
      storage.processors,
      claim,
      policy(3),
      async () => true,
    );
    await expect(delivered).rejects.toMatchObject({ code: 'PROCESSOR_LEASE_LOST' });
    expect(calls).toBe(1);
  });

  it('refuses a second context.transaction() in one delivery, naming the processor and the position', async () => {
    const { storage, stored, claim } = await delivery();
    const refused: unknown[] = [];
    let works = 0;
    const outcome = await deliverWithRetries(
      async (_stored, context) => {
        await context.transaction(async () => void (works += 1));
        await context.transaction(async () => void (works += 1)).catch((error: unknown) => void refused.push(error));
      },
      stored,
      'billing',
      storage.processors,
      claim,
      policy(1),
      async () => true,
    );
    expect(outcome).toEqual({ kind: 'committed' });
    expect(works).toBe(1);
    expect(refused).toEqual([new Error("processor billing: context.transaction() was already called for position 1; put all of one event's writes in one transaction")]);
  });
});

describe('partitionOf', () => {
  it('is the 32-bit FNV-1a hash of the stream, so every replica and every version agrees', () => {
    // The published FNV-1a test vectors; a modulus of 2^32 shows the whole hash.
    expect(partitionOf('', 2 ** 32)).toBe(0x811c9dc5);
    expect(partitionOf('a', 2 ** 32)).toBe(0xe40c292c);
    expect(partitionOf('foobar', 2 ** 32)).toBe(0xbf9cf968);
    expect(partitionOf('foobar', 256)).toBe(0x68);
  });
});

describe('errorText (the error kept in a dead letter)', () => {
  it('is the error name and message, cut to 2,000 characters', () => {
    expect(errorText(new TypeError('bad'))).toBe('TypeError: bad');
    expect(errorText('plain')).toBe('plain');
    const long = errorText(new Error('x'.repeat(5_000)));
    expect(long).toHaveLength(2_000);
    expect(long).toBe(`Error: ${'x'.repeat(1_993)}`);
  });
});
