import { afterEach, describe, expect, it } from 'vitest';
import { GetRequest, ListRequests } from '../../src/application/requests/request.queries';
import { CancelRequest, SyncRequest } from '../../src/application/requests/request.commands';
import type { ProviderPort } from '../../src/application/provider/provider.port';
import type { Logger } from '../../src/kernel';
import { createInMemoryStorage, FakeProvider, ManualClock, type TestHostFactory } from '../../src/testing';
import { rejection, request, status, withTemplate } from './support';

/*
 * The record step of RequestMachines (issue 32: survivors of request-machines.handler.ts): what the
 * cloud started is recorded even when the request ended meanwhile; a call that did not answer leaves
 * the request pending; a record step that fails answers the id. Each test fails when its rule breaks.
 */
let hf: TestHostFactory;
afterEach(() => hf?.dispose());

interface Logged {
  level: 'warn' | 'error';
  message: string;
  fields: Record<string, unknown> | undefined;
}

function capturing(logged: Logged[]): Logger {
  return { debug() {}, info() {}, warn: (message, fields) => logged.push({ level: 'warn', message, fields }), error: (message, fields) => logged.push({ level: 'error', message, fields }) };
}

/** The fake, its provision held until `open()` is called; `asked()` is true once provision was called. */
function heldProvision(fake: FakeProvider) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let asked = false;
  const port: ProviderPort = {
    provision: async (input) => {
      asked = true;
      await gate;
      return fake.provision(input);
    },
    describe: (input) => fake.describe(input),
    terminate: (input) => fake.terminate(input),
    reclaimNotices: () => fake.reclaimNotices(),
  };
  return { port, open, asked: () => asked };
}

describe('RequestMachines recording what the cloud started', () => {
  it('attaches the machines of a request cancelled while the cloud was answering (regression: they ran unrecorded)', async () => {
    const fake = new FakeProvider();
    const held = heldProvision(fake);
    hf = await withTemplate({}, { provider: held.port });
    const answer = request(hf, 2);
    while (!held.asked()) await new Promise((resolve) => setTimeout(resolve, 1));
    const [pending] = (await hf.queries.execute(ListRequests.from({}))).items;
    const requestId = pending!.requestId;
    // Nothing is running yet when the cancel describes the request, so it attaches nothing.
    expect((await hf.commands.execute(CancelRequest.from({ requestId, reason: 'no longer needed' }))).machineIds).toEqual([]);
    held.open();

    expect(await answer).toBe(requestId);
    const cancelled = await hf.queries.execute(GetRequest.from({ requestId }));
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.statusMessage).toBe('no longer needed');
    expect(cancelled.machineIds).toEqual(fake.machines(requestId).map((m) => m.machineId));
    expect(cancelled.machineIds).toHaveLength(2);
    fake.dispose();
  });

  it('leaves a request whose provision did not answer in time pending, and says so in a warning', async () => {
    const logged: Logged[] = [];
    hf = await withTemplate({}, { limits: { providerTimeoutMs: 50 }, logger: capturing(logged) });
    hf.fake!.script({ templateId: 'small' }, { hangAt: { provision: true } });
    const error = await rejection(request(hf, 1));
    expect(error.code).toBe('TIMEOUT');
    const [stuck] = (await hf.queries.execute(ListRequests.from({}))).items;
    const requestId = stuck!.requestId;
    expect(stuck!.status).toBe('pending');
    expect(logged).toEqual([
      { level: 'warn', message: `provision for ${requestId} did not answer in time; the request stays pending for a sync or a reconcile`, fields: { requestId } },
    ]);
    hf.fake!.release();
  });

  it('answers the request id when recording the provider\'s answer fails, logs why, and the next sync records the machines', async () => {
    const logged: Logged[] = [];
    const memory = createInMemoryStorage();
    let transactions = 0;
    let failAt = -1;
    const storage = {
      ...memory,
      unitOfWork: {
        transaction: <T>(work: Parameters<typeof memory.unitOfWork.transaction<T>>[0]) => {
          transactions += 1;
          return transactions === failAt ? Promise.reject(new Error('disk full')) : memory.unitOfWork.transaction(work);
        },
      },
    };
    hf = await withTemplate({}, { storage, logger: capturing(logged) });
    failAt = transactions + 2; // admit, then the record step
    const requestId = await request(hf, 2);
    expect(logged).toEqual([
      { level: 'error', message: `recording what the provider started for ${requestId} failed; answering its id, the next sync records it`, fields: { requestId, error: 'disk full' } },
    ]);
    expect((await status(hf, requestId)).machines).toEqual([]);
    await hf.commands.execute(SyncRequest.from({ requestId }));
    expect((await status(hf, requestId)).machines).toHaveLength(2);
    expect(hf.fake!.callsTo('provision')).toHaveLength(1);
  });

  it('never provisions again a request the provider accepted with nothing to show yet: a later sync only describes it', async () => {
    const fake = new FakeProvider();
    const port: ProviderPort = {
      provision: async (input) => {
        await fake.provision(input);
        return { resourceIds: [], machines: [] }; // accepted; what it starts shows up in describe only
      },
      describe: (input) => fake.describe(input),
      terminate: (input) => fake.terminate(input),
      reclaimNotices: () => fake.reclaimNotices(),
    };
    hf = await withTemplate({}, { provider: port, limits: { providerTimeoutMs: 1_000 } });
    const requestId = await request(hf, 2);
    expect((await status(hf, requestId)).machines).toEqual([]);
    hf.advance({ seconds: 5 });
    await hf.commands.execute(SyncRequest.from({ requestId }));
    expect(fake.callsTo('provision')).toHaveLength(1);
    expect((await status(hf, requestId)).machines).toHaveLength(2);
    fake.dispose();
  });

  it('describes a request by its recorded resources and machines on each sync', async () => {
    hf = await withTemplate();
    hf.fake!.script({ templateId: 'small' }, { bootAfterSyncs: 3 });
    const requestId = await request(hf, 2);
    const recorded = await hf.queries.execute(GetRequest.from({ requestId }));
    expect(recorded.resourceIds).toHaveLength(1);
    await hf.commands.execute(SyncRequest.from({ requestId }));
    expect(hf.fake!.callsTo('describe').at(-1)!.input).toEqual({ requestId, resourceIds: recorded.resourceIds, machineIds: recorded.machineIds });
  });
});

describe('SyncRequest recording what describe reported', () => {
  it('attaches the machines a describe reported for a request cancelled while it was answering (they ran unrecorded)', async () => {
    const fake = new FakeProvider();
    // A fleet that launches a second after provision answered, even once cancelled (a cloud that acted late).
    fake.script({ templateId: 'small' }, { launchAfterMs: 1_000, launchDespiteCancel: true });
    let gate: Promise<void> | undefined;
    let open!: () => void;
    let asked = false;
    const port: ProviderPort = {
      provision: (input) => fake.provision(input),
      describe: async (input) => {
        if (gate !== undefined) {
          const held = gate;
          gate = undefined;
          asked = true;
          await held;
        }
        return fake.describe(input);
      },
      terminate: (input) => fake.terminate(input),
      reclaimNotices: () => fake.reclaimNotices(),
    };
    hf = await withTemplate({}, { provider: port });
    const requestId = await request(hf, 2);
    gate = new Promise<void>((resolve) => (open = resolve));
    const synced = hf.commands.execute(SyncRequest.from({ requestId }));
    while (!asked) await new Promise((resolve) => setTimeout(resolve, 1));
    // The request ends while its describe is out; the fleet then launches, and the describe reports it.
    expect((await hf.commands.execute(CancelRequest.from({ requestId, reason: 'no longer needed' }))).status).toBe('cancelled');
    (fake.clock as ManualClock).advance(1_000);
    open();
    await synced;

    const cancelled = await hf.queries.execute(GetRequest.from({ requestId }));
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.statusMessage).toBe('no longer needed');
    expect(fake.machines(requestId)).toHaveLength(2);
    expect(cancelled.machineIds).toEqual(fake.machines(requestId).map((m) => m.machineId));
    fake.dispose();
  });
});
