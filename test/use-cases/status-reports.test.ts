import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import type { ProviderPort } from '../../src/application/provider/provider.port';
import { Reconcile } from '../../src/application/reconcile/reconcile.command';
import { SyncReclaimNotices } from '../../src/application/requests/request.commands';
import { GetReturnRequests } from '../../src/application/requests/request.queries';
import { collectReturnRequests, reportRequestStatus, type UseCaseBuses } from '../../src/application/requests/status-reports';
import { RequestNotFoundError } from '../../src/domain/shared/errors';
import { KernelError, type Logger } from '../../src/kernel';
import { FakeProvider } from '../../src/testing/fake-provider';
import { ManualClock } from '../../src/testing/manual-clock';
import { request, withTemplate } from './support';

/** A fake cloud whose describe and reclaim-notice calls fail while `down` is set. */
function flakyCloud(clock: ManualClock) {
  const fake = new FakeProvider({ clock });
  const state = { down: false };
  const outage = () => Promise.reject(new Error('cloud API unreachable'));
  const provider: ProviderPort = {
    provision: (input) => fake.provision(input),
    describe: (input) => (state.down ? outage() : fake.describe(input)),
    terminate: (input) => fake.terminate(input),
    cancelProvision: (input) => fake.cancelProvision(input),
    reclaimNotices: () => (state.down ? outage() : fake.reclaimNotices()),
  };
  return { fake, provider, state };
}

describe('the requestor\'s polling use cases, on the host factory (any front end, not only Symphony\'s)', () => {
  it('requestStatus syncs each request in order, answers null for an unknown id, and the stored state with the reason when the cloud cannot be asked', async () => {
    const clock = new ManualClock('2026-03-02T08:00:00.000Z');
    const cloud = flakyCloud(clock);
    const hf = await withTemplate({}, { provider: cloud.provider, clock });
    try {
      const requestId = await request(hf, 2);
      const [fresh, unknown] = await hf.requestStatus([requestId, 'req-00000000-0000-4000-8000-000000000000']);
      expect(fresh).toMatchObject({ requestId, status: { requestId, status: 'completed' } });
      expect(fresh!.status!.machines).toHaveLength(2);
      expect(fresh).not.toHaveProperty('staleReason');
      expect(unknown).toEqual({ requestId: 'req-00000000-0000-4000-8000-000000000000', status: null });

      const unsynced = await request(hf, 1);
      cloud.state.down = true;
      const [stale] = await hf.requestStatus([unsynced]);
      expect(stale!.status).toMatchObject({ requestId: unsynced, status: 'in_progress' });
      expect(stale!.staleReason).toMatch(/cloud API unreachable/);

      await expect(hf.requestStatus([requestId, 'req-\u0000'])).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    } finally {
      hf.dispose();
    }
  });

  it('returnRequests lists a reclaimed machine and a held one the cloud took, and the recorded ones with the reason when the cloud cannot be asked', async () => {
    const clock = new ManualClock('2026-03-02T08:00:00.000Z');
    const cloud = flakyCloud(clock);
    const hf = await withTemplate({}, { provider: cloud.provider, clock });
    try {
      const requestId = await request(hf, 2);
      const [report] = await hf.requestStatus([requestId]);
      const [first, second] = report!.status!.machines;
      cloud.fake.reclaim(first!.machineId, { gracePeriod: 120, reason: 'spot interruption' });
      cloud.fake.kill(second!.machineId);
      const held = [first, second].map((m) => ({ name: m!.name!, machineId: m!.machineId }));
      const wanted = await hf.returnRequests(held, { reconcile: false });
      expect(wanted.staleReason).toBeUndefined();
      expect(wanted.reclaims.map((r) => [r.machineId, r.gracePeriod]).sort()).toEqual([[first!.machineId, 120], [second!.machineId, 0]].sort());

      cloud.state.down = true;
      const stale = await hf.returnRequests(held);
      expect(stale.staleReason).toMatch(/cloud API unreachable/);
      expect(stale.reclaims.map((r) => r.machineId)).toContain(first!.machineId);
    } finally {
      hf.dispose();
    }
  });
});

interface Logged {
  level: 'info' | 'warn';
  message: string;
  fields: Record<string, unknown> | undefined;
}

function capturing(logged: Logged[]): Logger {
  return { debug() {}, info: (message, fields) => logged.push({ level: 'info', message, fields }), warn: (message, fields) => logged.push({ level: 'warn', message, fields }), error() {} };
}

/** Buses that record every message and answer with `command` / `query` (a throw rejects). */
function stubBuses(command: (message: unknown) => unknown, query: (message: unknown) => unknown) {
  const sent: unknown[] = [];
  const buses = {
    commands: { execute: async (message: unknown) => (sent.push(message), command(message)) },
    queries: { execute: async (message: unknown) => (sent.push(message), query(message)) },
  } as unknown as UseCaseBuses;
  return { buses, sent };
}

const NO_RECONCILE_WORK = { abandoned: 0, errors: 0, conflicts: 0 };

describe('the polling use cases\' logs and failure paths', () => {
  it('requestStatus logs a failed sync with the request and the error, and nothing for an unknown id', async () => {
    const clock = new ManualClock('2026-03-02T08:00:00.000Z');
    const cloud = flakyCloud(clock);
    const logged: Logged[] = [];
    const hf = await withTemplate({}, { provider: cloud.provider, clock, logger: capturing(logged) });
    try {
      const requestId = await request(hf, 1);
      await hf.requestStatus(['req-00000000-0000-4000-8000-000000000000']);
      expect(logged).toEqual([]);
      cloud.state.down = true;
      const [stale] = await hf.requestStatus([requestId]);
      expect(logged).toEqual([{ level: 'warn', message: `getRequestStatus could not synchronise ${requestId}; answering from stored state`, fields: { requestId, error: stale!.staleReason } }]);
      expect(stale!.staleReason).toContain('cloud API unreachable');
    } finally {
      hf.dispose();
    }
  });

  it('requestStatus answers null when the stored status is gone after a failed sync, and throws any other failure to read it', async () => {
    const logged: Logged[] = [];
    const requestId = 'req-00000000-0000-4000-8000-000000000001';
    const gone = stubBuses(() => { throw new Error('boom'); }, () => { throw new RequestNotFoundError(requestId); });
    expect(await reportRequestStatus(gone.buses, [requestId], capturing(logged))).toEqual([{ requestId, status: null }]);
    expect(logged).toEqual([{ level: 'warn', message: `getRequestStatus could not synchronise ${requestId}; answering from stored state`, fields: { requestId, error: 'Error: boom' } }]);
    const broken = stubBuses(() => ({}), () => { throw new KernelError('STORAGE_ERROR', 'disk full'); });
    await expect(reportRequestStatus(broken.buses, [requestId], capturing([]))).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
  });

  it('returnRequests sends the held machines as given, runs the default bounded Reconcile, and adds no staleReason when all went well', async () => {
    const logged: Logged[] = [];
    const { buses, sent } = stubBuses((message) => (message instanceof Reconcile ? NO_RECONCILE_WORK : { notices: 0, refreshed: 0 }), () => []);
    const report = await collectReturnRequests(buses, GetReturnRequests.from({ machines: [{ machineId: 'i-1' }, { name: 'host-2' }] }), { logger: capturing(logged) });
    expect(report).toEqual({ reclaims: [] });
    expect(report).not.toHaveProperty('staleReason');
    expect(logged).toEqual([]);
    const [syncNotices, reconcile] = sent as [SyncReclaimNotices, Reconcile];
    expect(syncNotices).toBeInstanceOf(SyncReclaimNotices);
    expect(syncNotices.machines).toEqual([{ machineId: 'i-1' }, { name: 'host-2' }]);
    expect(reconcile).toBeInstanceOf(Reconcile);
    expect(reconcile.budgetMs).toBe(10_000);

    sent.length = 0;
    await collectReturnRequests(buses, GetReturnRequests.from({}), { logger: capturing(logged), reconcile: { limit: 3 } });
    expect((sent[0] as SyncReclaimNotices).machines).toEqual([]);
    expect(sent[1]).toMatchObject({ limit: 3, budgetMs: 10_000 });
    expect(logged).toEqual([]);
  });

  it('returnRequests logs a Reconcile that settled, failed or conflicted on anything, and one that threw', async () => {
    for (const result of [{ ...NO_RECONCILE_WORK, abandoned: 1 }, { ...NO_RECONCILE_WORK, errors: 1 }, { ...NO_RECONCILE_WORK, conflicts: 1 }]) {
      const logged: Logged[] = [];
      const { buses } = stubBuses((message) => (message instanceof Reconcile ? result : {}), () => []);
      await collectReturnRequests(buses, GetReturnRequests.from({}), { logger: capturing(logged) });
      expect(logged).toEqual([{ level: 'info', message: 'getReturnRequests reconciled open requests', fields: result }]);
    }
    const logged: Logged[] = [];
    const { buses } = stubBuses((message) => {
      if (message instanceof Reconcile) throw new KernelError('VALIDATION_FAILED', 'bad limit');
      return {};
    }, () => []);
    expect(await collectReturnRequests(buses, GetReturnRequests.from({}), { logger: capturing(logged) })).toEqual({ reclaims: [] });
    expect(logged).toEqual([{ level: 'warn', message: 'getReturnRequests could not reconcile open requests; the next call tries again', fields: { error: 'bad limit' } }]);
  });

  it('returnRequests logs a failed notice fetch with the error\'s text: a kernel error\'s message, else its name and message', async () => {
    for (const [thrown, text, staleReason] of [
      [new KernelError('PROVIDER_ERROR', 'cloud down'), 'cloud down', 'cloud down'],
      [new TypeError('undefined is not a function'), 'TypeError: undefined is not a function', 'an unexpected error (see the provider log)'],
      ['a string', 'a string', 'an unexpected error (see the provider log)'],
    ] as const) {
      const logged: Logged[] = [];
      const { buses } = stubBuses((message) => {
        if (message instanceof SyncReclaimNotices) throw thrown;
        return {};
      }, () => []);
      expect(await collectReturnRequests(buses, GetReturnRequests.from({}), { logger: capturing(logged), reconcile: false })).toEqual({ reclaims: [], staleReason });
      expect(logged).toEqual([{ level: 'warn', message: 'getReturnRequests could not fetch reclaim notices; answering from the recorded ones', fields: { error: text } }]);
    }
  });

  it('returnRequests refreshes machines held by id only and by name only', async () => {
    const clock = new ManualClock('2026-03-02T08:00:00.000Z');
    const hf = await withTemplate({}, { clock });
    try {
      const requestId = await request(hf, 2);
      const [report] = await hf.requestStatus([requestId]);
      const [first, second] = report!.status!.machines;
      hf.fake!.kill(first!.machineId);
      hf.fake!.kill(second!.machineId);
      const wanted = await hf.returnRequests([{ machineId: first!.machineId }, { name: second!.name! }], { reconcile: false });
      expect(wanted).not.toHaveProperty('staleReason');
      expect(wanted.reclaims.map((r) => r.machineId)).toEqual([first!.machineId, second!.machineId]);
    } finally {
      hf.dispose();
    }
  });
});
