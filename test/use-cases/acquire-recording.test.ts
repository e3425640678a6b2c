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

  it('keeps a request cancelled while the cloud was answering cancelled when provision then refuses, and raises the refusal', async () => {
    const fake = new FakeProvider();
    const held = heldProvision(fake);
    fake.script({ templateId: 'small' }, { capacityError: 'no t3.small in us-east-1a' });
    hf = await withTemplate({}, { provider: held.port });
    const answer = rejection(request(hf, 2));
    while (!held.asked()) await new Promise((resolve) => setTimeout(resolve, 1));
    const requestId = (await hf.queries.execute(ListRequests.from({}))).items[0]!.requestId;
    await hf.commands.execute(CancelRequest.from({ requestId, reason: 'no longer needed' }));
    held.open();

    const error = await answer;
    expect(error.code).toBe('PROVIDER_ERROR');
    expect(error.message).toContain('no t3.small in us-east-1a');
    const cancelled = await hf.queries.execute(GetRequest.from({ requestId }));
    expect([cancelled.status, cancelled.statusMessage]).toEqual(['cancelled', 'no longer needed']);
    fake.dispose();
  });

  it('fails a refused request with the provider error\'s message, cut to a reason\'s length', async () => {
    hf = await withTemplate();
    hf.fake!.script({ templateId: 'small' }, { capacityError: 'no t3.small in us-east-1a' });
    const short = await rejection(request(hf, 1));
    expect((await status(hf, short.details?.requestId as string)).statusMessage).toBe(short.message);
    hf.fake!.script({ templateId: 'small' }, { capacityError: 'x'.repeat(2_000) });
    const long = await rejection(request(hf, 1));
    const { statusMessage } = await status(hf, long.details?.requestId as string);
    expect([...statusMessage]).toHaveLength(1_000);
    expect(statusMessage).toBe(`${long.message.slice(0, 999)}\u2026`);
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

/** The fake's port whose next describe, once `hold()` is called, waits until the returned `release()`; `asked` settles when it is waiting. */
function heldDescribe(fake: FakeProvider) {
  let gate: { wait: Promise<void>; reached: () => void } | undefined;
  const port: ProviderPort = {
    provision: (input) => fake.provision(input),
    describe: async (input) => {
      const held = gate;
      gate = undefined;
      if (held !== undefined) {
        held.reached();
        await held.wait;
      }
      return fake.describe(input);
    },
    terminate: (input) => fake.terminate(input),
    reclaimNotices: () => fake.reclaimNotices(),
  };
  const hold = () => {
    let release!: () => void;
    let reached!: () => void;
    const asked = new Promise<void>((resolve) => (reached = resolve));
    gate = { wait: new Promise<void>((resolve) => (release = resolve)), reached };
    return { asked, release };
  };
  return { port, hold };
}

describe('SyncRequest recording what describe reported', () => {
  it('attaches the machines a describe reported for a request cancelled while it was answering (they ran unrecorded)', async () => {
    const fake = new FakeProvider();
    // A fleet that launches a second after provision answered, even once cancelled (a cloud that acted late).
    fake.script({ templateId: 'small' }, { launchAfterMs: 1_000, launchDespiteCancel: true });
    const { port, hold } = heldDescribe(fake);
    hf = await withTemplate({}, { provider: port });
    const requestId = await request(hf, 2);
    const open = hold();
    const synced = hf.commands.execute(SyncRequest.from({ requestId }));
    await open.asked;
    // The request ends while its describe is out; the fleet then launches, and the describe reports it.
    const cancelledAt = (fake.clock as ManualClock).now().getTime();
    expect((await hf.commands.execute(CancelRequest.from({ requestId, reason: 'no longer needed' }))).status).toBe('cancelled');
    (fake.clock as ManualClock).advance(1_000);
    open.release();
    await synced;

    const cancelled = await hf.queries.execute(GetRequest.from({ requestId }));
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.statusMessage).toBe('no longer needed');
    expect(fake.machines(requestId)).toHaveLength(2);
    expect(cancelled.machineIds).toEqual(fake.machines(requestId).map((m) => m.machineId));
    // Cancelled with nothing attached, CancelRequest began its release (the fleet could launch late, as
    // it did); the sync that found it ended began none of its own (the window is the cancel's).
    const release = (await hf.storage.unitOfWork.transaction((tx) => tx.requests.get(requestId)))!.release;
    expect(release).toMatchObject({ since: new Date(cancelledAt).toISOString(), releasedAt: null });
    fake.dispose();
  });

  it('begins no release of a request cancelled with machines attached while its describe was out', async () => {
    const fake = new FakeProvider();
    // Machines that stay booting: the request stays in progress, its machines attached.
    fake.script({ templateId: 'small' }, { bootAfterSyncs: 100 });
    const { port, hold } = heldDescribe(fake);
    hf = await withTemplate({}, { provider: port });
    const requestId = await request(hf, 2);
    await hf.commands.execute(SyncRequest.from({ requestId }));
    expect(await hf.queries.execute(GetRequest.from({ requestId }))).toMatchObject({ status: 'in_progress', machineIds: [expect.any(String), expect.any(String)] });
    const open = hold();
    const synced = hf.commands.execute(SyncRequest.from({ requestId }));
    await open.asked;
    expect((await hf.commands.execute(CancelRequest.from({ requestId }))).status).toBe('cancelled');
    open.release();
    await synced;
    // Its machines stay attached for the requester to return: neither the cancel nor the sync that found
    // it ended begins a release, which would terminate them.
    expect((await hf.storage.unitOfWork.transaction((tx) => tx.requests.get(requestId)))!.release).toBeNull();
    fake.dispose();
  });
});
