import { describe, expect, it } from 'vitest';
import { Template } from '../../src/domain/template/template';
import type { DomainEvent } from '../../src/domain/shared/domain-event';
import { recordInSession, Session } from '../../src/application/session';
import { KernelError, isKernelError, type Instrumentation, type WorkSignal } from '../../src/kernel';
import { runInScope } from '../../src/kernel/scope';
import type { Transaction } from '../../src/storage/unit-of-work';
import { createInMemoryStorage, type InMemoryStorage } from '../../src/testing';
import { aMachine, anAcquireRequest, templateInput } from '../domain/support/builders';
import { ctxAt } from '../domain/support/context';

/*
 * The Session every use case commits through (src/application/session.ts): one instance per
 * aggregate in a transaction, machines loaded in one getMany of the untracked ids, nothing appended
 * for a transaction that recorded nothing, and the bounded retry of a record step.
 */

interface Spied {
  readonly session: Session;
  readonly tx: Transaction;
  /** The ids of each `machines.getMany` call, in order. */
  readonly getMany: string[][];
  /** Each `outbox.append` call's events, in order. */
  readonly appended: DomainEvent[][];
}

/** Runs `work` with a Session on a transaction of `storage` whose getMany and outbox calls are recorded. */
function inSpiedSession<T>(storage: InMemoryStorage, work: (spied: Spied) => Promise<T>): Promise<T> {
  return storage.unitOfWork.transaction(async (tx) => {
    const getMany: string[][] = [];
    const appended: DomainEvent[][] = [];
    const spiedTx: Transaction = {
      ...tx,
      machines: {
        ...tx.machines,
        getMany: (ids) => {
          getMany.push([...ids]);
          return tx.machines.getMany(ids);
        },
      },
      outbox: {
        append: (events) => {
          appended.push([...events]);
          tx.outbox.append(events);
        },
      },
    };
    return work({ session: new Session(spiedTx), tx, getMany, appended });
  });
}

/** In-memory storage holding machines `ids` (created pending). */
async function storageWithMachines(...ids: string[]): Promise<InMemoryStorage> {
  const storage = createInMemoryStorage();
  await storage.unitOfWork.transaction(async (tx) => {
    for (const id of ids) await tx.machines.save(aMachine('pending', ctxAt(), id), 0);
  });
  return storage;
}

const instrumentation = (carrier: Instrumentation['carrier'], signals: WorkSignal[] = []): Instrumentation => ({
  wrap: (_unit, work) => work(),
  carrier,
  signal: (signal) => signals.push(signal),
});

/** Runs `work` as if inside a dispatch of a kernel with `instrumentation`. */
const inScope = <T>(with_: Instrumentation, work: () => Promise<T>): Promise<T> => runInScope({ correlationId: undefined, messageId: undefined, instrumentation: with_ }, work);

describe('Session tracking', () => {
  it('answers the machine machine() loaded from machines(), loading only the untracked ids in one getMany', async () => {
    const storage = await storageWithMachines('i-1', 'i-2');
    await inSpiedSession(storage, async ({ session, getMany }) => {
      const one = await session.machine('i-1');
      expect(one).toBeDefined();
      const found = await session.machines(['i-1', 'i-2', 'i-1', 'i-9']);
      expect(found.get('i-1')).toBe(one);
      expect([...found.keys()].sort()).toEqual(['i-1', 'i-2']);
      expect(getMany).toEqual([['i-2', 'i-9']]);
      // Everything asked for is tracked now: no storage call at all.
      const again = await session.machines(['i-2', 'i-1']);
      expect(again.get('i-2')).toBe(found.get('i-2'));
      expect(getMany).toHaveLength(1);
    });
  });

  it('answers from machine() the instance machines() loaded', async () => {
    const storage = await storageWithMachines('i-1');
    await inSpiedSession(storage, async ({ session, getMany }) => {
      const found = await session.machines(['i-1']);
      expect(getMany).toEqual([['i-1']]);
      expect(await session.machine('i-1')).toBe(found.get('i-1'));
    });
  });

  it('keeps the loaded instance when a finder adopts the same aggregate again', async () => {
    const storage = await storageWithMachines('i-1');
    await inSpiedSession(storage, async ({ session, tx }) => {
      const one = await session.machine('i-1');
      const loadedAgain = (await tx.machines.get('i-1'))!;
      expect(loadedAgain).not.toBe(one);
      expect(session.adopt('machine', [loadedAgain])).toEqual([one]);
      expect(session.adopt('machine', [loadedAgain])[0]).toBe(one);
    });
  });

  it('finds a template or request it added by its id before the flush', async () => {
    const storage = createInMemoryStorage();
    await inSpiedSession(storage, async ({ session }) => {
      const template = Template.create(templateInput(), ctxAt());
      const request = anAcquireRequest();
      session.add('template', template);
      session.add('request', request);
      expect(await session.template(template.templateId)).toBe(template);
      expect(await session.request(request.requestId)).toBe(request);
    });
  });

  it('ignores remove() of a template it does not track', async () => {
    const storage = createInMemoryStorage();
    await inSpiedSession(storage, async ({ session, appended }) => {
      expect(() => session.remove(Template.create(templateInput(), ctxAt()))).not.toThrow();
      expect(await session.flush()).toEqual([]);
      expect(appended).toEqual([]);
    });
  });
});

describe('Session flush', () => {
  it('appends nothing for a transaction that recorded nothing', async () => {
    const storage = await storageWithMachines('i-1');
    await inSpiedSession(storage, async ({ session, appended }) => {
      await session.machine('i-1');
      expect(await session.flush()).toEqual([]);
      expect(appended).toEqual([]);
    });
    expect(storage.committedEvents()).toEqual([]);
  });

  it('appends the events as recorded outside any dispatch, and with no trace key when the instrumentation has none', async () => {
    const storage = createInMemoryStorage();
    const flushAdding = () =>
      inSpiedSession(storage, async ({ session, appended }) => {
        session.add('template', Template.create(templateInput({ templateId: `t-${storage.committedEvents().length}` }), ctxAt()));
        const events = await session.flush();
        expect(events.map((e) => e.type)).toEqual(['TemplateCreated']);
        return appended;
      });
    const outside = await flushAdding();
    expect(outside).toHaveLength(1);
    expect(Object.hasOwn(outside[0]![0]!, 'trace')).toBe(false);
    const untraced = await inScope(instrumentation(() => undefined), flushAdding);
    expect(Object.hasOwn(untraced[0]![0]!, 'trace')).toBe(false);
    const traced = await inScope(instrumentation(() => ({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' })), flushAdding);
    expect(traced[0]![0]!.trace).toEqual({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    expect(storage.committedEvents()).toHaveLength(3);
  });
});

describe('recordInSession', () => {
  const conflict = () => new KernelError('CONCURRENCY_CONFLICT', 'Someone else saved first.');

  it('re-runs the transaction on CONCURRENCY_CONFLICT, signalling each conflict as retried', async () => {
    const storage = createInMemoryStorage();
    const signals: WorkSignal[] = [];
    let calls = 0;
    const result = await inScope(instrumentation(() => undefined, signals), () =>
      recordInSession(storage, async () => {
        calls += 1;
        if (calls <= 2) throw conflict();
        return 'recorded';
      }),
    );
    expect(result).toBe('recorded');
    expect(calls).toBe(3);
    expect(signals).toEqual([
      { kind: 'record-conflict', retried: true },
      { kind: 'record-conflict', retried: true },
    ]);
  });

  it('gives up after five attempts, rethrowing the conflict, the last one signalled as not retried', async () => {
    const storage = createInMemoryStorage();
    const signals: WorkSignal[] = [];
    let calls = 0;
    const error = await inScope(instrumentation(() => undefined, signals), () =>
      recordInSession(storage, async () => {
        calls += 1;
        // A retry past the fifth attempt (a broken bound) ends here instead of looping for ever.
        if (calls > 5) throw new Error('attempted more than five times');
        throw conflict();
      }),
    ).catch((e: unknown) => e);
    expect(isKernelError(error, 'CONCURRENCY_CONFLICT')).toBe(true);
    expect(calls).toBe(5);
    expect(signals).toEqual([
      { kind: 'record-conflict', retried: true },
      { kind: 'record-conflict', retried: true },
      { kind: 'record-conflict', retried: true },
      { kind: 'record-conflict', retried: true },
      { kind: 'record-conflict', retried: false },
    ]);
  });

  it('rethrows any other failure at once, signalling nothing', async () => {
    const storage = createInMemoryStorage();
    const signals: WorkSignal[] = [];
    let calls = 0;
    const error = await inScope(instrumentation(() => undefined, signals), () =>
      recordInSession(storage, async () => {
        calls += 1;
        throw new Error('disk full');
      }),
    ).catch((e: unknown) => e);
    expect((error as Error).message).toBe('disk full');
    expect(calls).toBe(1);
    expect(signals).toEqual([]);
  });
});
