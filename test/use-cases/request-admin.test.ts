import { afterEach, describe, expect, it } from 'vitest';
import { CancelRequest, SyncReclaimNotices, UpdateRequestStatus } from '../../src/application/requests/request.commands';
import { GetRequest, GetReturnRequests, ListRequests } from '../../src/application/requests/request.queries';
import { GetMachine } from '../../src/application/machines/machine.queries';
import type { ProviderMachine, ProviderPort, ReclaimNotice } from '../../src/application/provider/provider.port';
import type { Logger } from '../../src/kernel';
import { createInMemoryStorage, FakeProvider, ManualClock, type TestHostFactory } from '../../src/testing';
import { Reconcile } from '../../src/application/reconcile/reconcile.command';
import type { FakeBehaviour } from '../../src/testing';
import { rejection, request, sync, withTemplate } from './support';

/*
 * The administrative commands of request-admin.handlers.ts (issue 32: its surviving mutants):
 * CancelRequest asks the cloud first only for a pending request with nothing attached,
 * UpdateRequestStatus refuses an unknown id, and SyncReclaimNotices refreshes exactly the held
 * machines and replaces the recorded notices. Each test fails when its rule breaks.
 */
let hf: TestHostFactory;
afterEach(() => hf?.dispose());

interface Logged {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown> | undefined;
}

function capturing(logged: Logged[]): Logger {
  return {
    debug() {},
    info: (message, fields) => logged.push({ level: 'info', message, fields }),
    warn: (message, fields) => logged.push({ level: 'warn', message, fields }),
    error: (message, fields) => logged.push({ level: 'error', message, fields }),
  };
}

/** The fake's port with some methods replaced. */
function over(fake: FakeProvider, overrides: Partial<ProviderPort>): ProviderPort {
  return {
    provision: (input) => fake.provision(input),
    describe: (input) => fake.describe(input),
    terminate: (input) => fake.terminate(input),
    cancelProvision: (input) => fake.cancelProvision(input),
    reclaimNotices: () => fake.reclaimNotices(),
    ...overrides,
  };
}

/** A request left pending with nothing attached: the cloud started its machines but provision never answered. */
async function unconfirmed(count: number, overrides: Partial<ProviderPort> = {}, behaviour?: FakeBehaviour) {
  const clock = new ManualClock();
  const fake = new FakeProvider({ clock });
  if (behaviour !== undefined) fake.script({ templateId: 'small' }, behaviour);
  const provider = over(fake, {
    provision: async (input) => {
      await fake.provision(input);
      return new Promise<never>(() => undefined);
    },
    ...overrides,
  });
  hf = await withTemplate({}, { provider, clock, limits: { providerTimeoutMs: 20 } });
  expect((await rejection(request(hf, count))).code).toBe('TIMEOUT');
  const [pending] = (await hf.queries.execute(ListRequests.from({}))).items;
  expect(pending).toMatchObject({ status: 'pending', machineIds: [], resourceIds: [] });
  return { fake, clock, requestId: pending!.requestId };
}

describe('CancelRequest', () => {
  it('asks the cloud about a pending request with nothing attached, and attaches what it started with the template\'s provider API and no resource', async () => {
    const { fake, requestId } = await unconfirmed(2);
    const cancelled = await hf.commands.execute(CancelRequest.from({ requestId }));
    expect(fake.callsTo('describe').map((c) => c.input)).toEqual([{ requestId, resourceIds: [], machineIds: [] }]);
    expect(cancelled).toMatchObject({ status: 'cancelled', statusMessage: 'The request was cancelled.', resourceIds: [] });
    expect(cancelled.machineIds).toEqual(fake.machines(requestId).map((m) => m.machineId));
    expect(cancelled.machineIds).toHaveLength(2);
    const machine = await hf.queries.execute(GetMachine.from({ machineId: cancelled.machineIds[0]! }));
    expect(machine.providerApi).toBe('EC2Fleet');
    fake.dispose();
  });

  it('names describe when asking the cloud about a pending request fails', async () => {
    const { fake, requestId } = await unconfirmed(1, { describe: () => Promise.reject(new Error('API throttled')) });
    const error = await rejection(hf.commands.execute(CancelRequest.from({ requestId })));
    expect(error.code).toBe('PROVIDER_ERROR');
    expect(error.message).toContain('The provider failed in describe: API throttled');
    fake.dispose();
  });

  it('does not ask the cloud about a request with machines attached, nor about a failed one with nothing attached', async () => {
    hf = await withTemplate();
    hf.fake!.script({ templateId: 'small' }, { bootAfterSyncs: 10 });
    const open = await request(hf, 2);
    expect((await hf.commands.execute(CancelRequest.from({ requestId: open }))).status).toBe('cancelled');
    hf.fake!.script({ templateId: 'small' }, { capacityError: 'no capacity' });
    const failed = (await rejection(request(hf, 1))).details?.requestId as string;
    expect((await hf.queries.execute(GetRequest.from({ requestId: failed }))).status).toBe('failed');
    expect((await rejection(hf.commands.execute(CancelRequest.from({ requestId: failed })))).code).toBe('INVALID_REQUEST_STATE_TRANSITION');
    expect(hf.fake!.callsTo('describe')).toEqual([]);
  });
});

describe('UpdateRequestStatus', () => {
  it('refuses an unknown request with REQUEST_NOT_FOUND', async () => {
    hf = await withTemplate();
    const error = await rejection(hf.commands.execute(UpdateRequestStatus.from({ requestId: 'req-00000000-0000-4000-8000-00000000ffff', status: 'failed', reason: 'operator' })));
    expect(error.code).toBe('REQUEST_NOT_FOUND');
  });
});

describe('SyncReclaimNotices', () => {
  async function running(count: number, logger?: Logger) {
    hf = await withTemplate({}, logger === undefined ? {} : { logger });
    return (await sync(hf, await request(hf, count))).machines;
  }

  it('without machines refreshes nothing and only records the notices', async () => {
    const machines = await running(1);
    hf.fake!.reclaim(machines[0]!.machineId, { gracePeriod: 30 });
    const describes = hf.fake!.callsTo('describe').length;
    expect(await hf.commands.execute(SyncReclaimNotices.from({}))).toEqual({ notices: 1, refreshed: 0 });
    expect(await hf.commands.execute(SyncReclaimNotices.from({ machines: [] }))).toEqual({ notices: 1, refreshed: 0 });
    expect(hf.fake!.callsTo('describe')).toHaveLength(describes);
  });

  it('describes each held machine once, by id, with its request, and applies only what concerns the held ones', async () => {
    const machines = await running(2);
    const [held, other] = machines;
    hf.fake!.kill(held!.machineId);
    hf.fake!.kill(other!.machineId);
    const describes = hf.fake!.callsTo('describe').length;
    const refs = [{ machineId: held!.machineId }, { name: held!.name! }, { name: 'ghost.example' }];
    expect(await hf.commands.execute(SyncReclaimNotices.from({ machines: refs }))).toEqual({ notices: 0, refreshed: 1 });
    expect(hf.fake!.callsTo('describe').slice(describes).map((c) => c.input)).toEqual([{ requestId: held!.requestId, resourceIds: [], machineIds: [held!.machineId] }]);
    expect((await hf.queries.execute(GetMachine.from({ machineId: held!.machineId }))).status).toBe('terminated');
    expect((await hf.queries.execute(GetMachine.from({ machineId: other!.machineId }))).status).toBe('running');
    // Refreshing again changes nothing: the held machine is terminated now, so it is not asked about.
    expect(await hf.commands.execute(SyncReclaimNotices.from({ machines: refs }))).toEqual({ notices: 0, refreshed: 0 });
  });

  it('records a held machine the cloud no longer reports as terminated, and counts only machines that changed', async () => {
    const clock = new ManualClock();
    const fake = new FakeProvider({ clock });
    let forget = false;
    hf = await withTemplate({}, { clock, provider: over(fake, { describe: async (input) => (forget ? [] : fake.describe(input)) }) });
    const machines = (await sync(hf, await request(hf, 2))).machines;
    expect(await hf.commands.execute(SyncReclaimNotices.from({ machines: machines.map((m) => ({ machineId: m.machineId })) }))).toEqual({ notices: 0, refreshed: 0 });
    forget = true;
    expect(await hf.commands.execute(SyncReclaimNotices.from({ machines: [{ machineId: machines[0]!.machineId }] }))).toEqual({ notices: 0, refreshed: 1 });
    const gone = await hf.queries.execute(GetMachine.from({ machineId: machines[0]!.machineId }));
    expect([gone.status, gone.statusReason]).toEqual(['terminated', 'The cloud no longer reports this machine (asked for by its id), so it is gone.']);
    fake.dispose();
  });

  it('names describe when asking the cloud about held machines fails', async () => {
    const clock = new ManualClock();
    const fake = new FakeProvider({ clock });
    let down = false;
    hf = await withTemplate({}, { clock, provider: over(fake, { describe: (input) => (down ? Promise.reject(new Error('API throttled')) : fake.describe(input)) }) });
    const [machine] = (await sync(hf, await request(hf, 1))).machines;
    down = true;
    const error = await rejection(hf.commands.execute(SyncReclaimNotices.from({ machines: [{ machineId: machine!.machineId }] })));
    expect(error.message).toContain('The provider failed in describe: API throttled');
    fake.dispose();
  });

  it('logs a report the machine status machine refuses, or a fact the domain refuses, and goes on; a refused status fails the command', async () => {
    const clock = new ManualClock();
    const fake = new FakeProvider({ clock });
    let answer: (machines: ProviderMachine[]) => ProviderMachine[] = (machines) => machines;
    const logged: Logged[] = [];
    hf = await withTemplate({}, { clock, logger: capturing(logged), provider: over(fake, { describe: async (input) => answer(await fake.describe(input)) }) });
    const machines = (await sync(hf, await request(hf, 2))).machines;
    const [first, second] = machines.map((m) => m.machineId);
    fake.kill(second!);
    answer = (reports) => reports.map((r) => (r.machineId === first ? { ...r, status: 'pending' } : r));
    const refs = { machines: [{ machineId: first! }, { machineId: second! }] };
    expect(await hf.commands.execute(SyncReclaimNotices.from(refs))).toEqual({ notices: 0, refreshed: 1 });
    expect(logged.filter((l) => l.level === 'warn')).toEqual([
      { level: 'warn', message: `rejected a provider report for machine ${first}`, fields: { machineId: first, error: expect.stringContaining('running') } },
    ]);
    expect((await hf.queries.execute(GetMachine.from({ machineId: first! }))).status).toBe('running');

    // A fact the domain cannot store: the rest of the report applies, and the refusal is logged.
    logged.length = 0;
    const address = (await hf.queries.execute(GetMachine.from({ machineId: first! }))).privateIpAddress;
    answer = (reports) => reports.map((r) => ({ ...r, privateIpAddress: 42 as unknown as string, statusReason: 'drained' }));
    expect(await hf.commands.execute(SyncReclaimNotices.from({ machines: [{ machineId: first! }] }))).toEqual({ notices: 0, refreshed: 1 });
    expect(logged.filter((l) => l.level === 'warn')).toEqual([
      { level: 'warn', message: `rejected a provider report for machine ${first}`, fields: { machineId: first, error: expect.stringMatching(/^kept the machine without privateIpAddress: /) } },
    ]);
    const kept = await hf.queries.execute(GetMachine.from({ machineId: first! }));
    expect([kept.privateIpAddress, kept.statusReason]).toEqual([address, 'drained']);

    answer = (reports) => reports.map((r) => ({ ...r, status: 'exploded' as 'running' }));
    const error = await rejection(hf.commands.execute(SyncReclaimNotices.from({ machines: [{ machineId: first! }] })));
    expect(error.code).toBe('VALIDATION_FAILED');
    fake.dispose();
  });

  it('commits nothing beyond the notices when no held machine is known', async () => {
    const memory = createInMemoryStorage();
    let transactions = 0;
    const storage = { ...memory, unitOfWork: { transaction: ((work) => ((transactions += 1), memory.unitOfWork.transaction(work))) as typeof memory.unitOfWork.transaction } };
    hf = await withTemplate({}, { storage });
    transactions = 0;
    expect(await hf.commands.execute(SyncReclaimNotices.from({ machines: [{ name: 'ghost.example' }] }))).toEqual({ notices: 0, refreshed: 0 });
    // One to find the held machines, one to name the notices' machines.
    expect(transactions).toBe(2);
  });

  it('names reclaimNotices when fetching the notices fails', async () => {
    const fake = new FakeProvider();
    hf = await withTemplate({}, { provider: over(fake, { reclaimNotices: () => Promise.reject(new Error('API throttled')) }) });
    const error = await rejection(hf.commands.execute(SyncReclaimNotices.from({})));
    expect(error.message).toContain('The provider failed in reclaimNotices: API throttled');
    fake.dispose();
  });

  it('replaces the recorded notices, naming a machine by its stored host name and giving a default reason', async () => {
    const clock = new ManualClock();
    const fake = new FakeProvider({ clock });
    let notices: ReclaimNotice[] = [];
    hf = await withTemplate({}, { clock, provider: over(fake, { reclaimNotices: async () => notices }) });
    const [a, b] = (await sync(hf, await request(hf, 2))).machines;
    notices = [
      { machineId: a!.machineId, gracePeriod: 120.7 },
      { machineId: b!.machineId, name: 'named-by-the-cloud', gracePeriod: -5, reason: 'spot interruption' },
    ];
    expect(await hf.commands.execute(SyncReclaimNotices.from({}))).toEqual({ notices: 2, refreshed: 0 });
    const byId = <T extends { machineId: string | null }>(reclaims: readonly T[]) => [...reclaims].sort((x, y) => String(x.machineId).localeCompare(String(y.machineId)));
    expect(byId(await hf.queries.execute(GetReturnRequests.from({})))).toEqual(
      byId([
        { machineId: a!.machineId, machine: a!.name, gracePeriod: 120, reason: 'The cloud is reclaiming this machine.' },
        { machineId: b!.machineId, machine: 'named-by-the-cloud', gracePeriod: 0, reason: 'spot interruption' },
      ]),
    );
    notices = [{ machineId: b!.machineId, gracePeriod: 60 }];
    expect(await hf.commands.execute(SyncReclaimNotices.from({}))).toEqual({ notices: 1, refreshed: 0 });
    expect(await hf.queries.execute(GetReturnRequests.from({}))).toEqual([{ machineId: b!.machineId, machine: b!.name, gracePeriod: 60, reason: 'The cloud is reclaiming this machine.' }]);
    notices = [];
    await hf.commands.execute(SyncReclaimNotices.from({}));
    expect(await hf.queries.execute(GetReturnRequests.from({}))).toEqual([]);
    fake.dispose();
  });
});



/*
 * Machines left behind (found by the mutation review of issue 32): a request settled cancelled or
 * failed by hand with no machine attached begins a release, so Reconcile finds and terminates what its
 * provision started. Each test failed before request-admin.handlers.ts began one: the machines ran on.
 */
describe('a request settled by hand with nothing attached', () => {
  const alive = (fake: FakeProvider, requestId: string) => fake.machines(requestId).filter((m) => m.status !== 'terminated').map((m) => m.machineId);

  /** The two machines the cloud started run until a Reconcile checks the release, which ends after its window. */
  async function expectReleased(fake: FakeProvider, clock: ManualClock, requestId: string): Promise<void> {
    expect(alive(fake, requestId)).toHaveLength(2);
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ releasing: 1, errors: 0 });
    expect(alive(fake, requestId)).toEqual([]);
    clock.advance({ hours: 1 });
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ released: 1 });
    fake.dispose();
  }

  it('releases what the cloud started when an operator cancels it while CancelRequest is asking the cloud', async () => {
    let race = true;
    let cloud: FakeProvider | undefined;
    const { fake, clock, requestId } = await unconfirmed(2, {
      describe: async (input) => {
        if (race) {
          race = false;
          await hf.commands.execute(UpdateRequestStatus.from({ requestId: input.requestId, status: 'cancelled', reason: 'operator' }));
        }
        return cloud!.describe(input);
      },
    });
    cloud = fake;
    const cancelled = await hf.commands.execute(CancelRequest.from({ requestId }));
    expect(cancelled).toMatchObject({ status: 'cancelled' });
    await expectReleased(fake, clock, requestId);
  });

  it('releases a fleet that launches after CancelRequest found nothing running', async () => {
    const { fake, clock, requestId } = await unconfirmed(2, {}, { launchAfterMs: 20 * 60_000, launchDespiteCancel: true });
    expect(await hf.commands.execute(CancelRequest.from({ requestId }))).toMatchObject({ status: 'cancelled', machineIds: [] });
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ releasing: 1, errors: 0 });
    expect(fake.callsTo('cancelProvision').map((c) => c.input.requestId)).toEqual([requestId]);
    clock.advance({ minutes: 21 }); // the fleet launches its two machines now
    await hf.commands.execute(Reconcile.from({}));
    expect(fake.machines(requestId)).toHaveLength(2);
    expect(alive(fake, requestId)).toEqual([]);
    fake.dispose();
  });

  it.each(['failed', 'cancelled'] as const)('releases what the cloud started when an operator sets it %s', async (status) => {
    const { fake, clock, requestId } = await unconfirmed(2);
    await hf.commands.execute(UpdateRequestStatus.from({ requestId, status, reason: 'operator' }));
    await expectReleased(fake, clock, requestId);
  });

  it('leaves machines attached by CancelRequest to the requester to return: no release', async () => {
    const { fake, requestId } = await unconfirmed(2);
    const cancelled = await hf.commands.execute(CancelRequest.from({ requestId }));
    expect(cancelled.machineIds).toHaveLength(2);
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ releasing: 0, machinesReturned: 0 });
    expect(alive(fake, requestId)).toHaveLength(2);
    fake.dispose();
  });
});
