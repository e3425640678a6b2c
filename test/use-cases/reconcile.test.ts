import { afterEach, describe, expect, it } from 'vitest';
import { CreateTemplate } from '../../src/application/templates/template.commands';
import { GetRequest, ListRequests } from '../../src/application/requests/request.queries';
import { Reconcile } from '../../src/application/reconcile/reconcile.command';
import { RequestMachines, RequestReturnMachines, SyncRequest } from '../../src/application/requests/request.commands';
import { type ProviderPort } from '../../src/application/provider/provider.port';
import { type RequestDto } from '../../src/application/read-models/request.dto';
import { type StoredEvent } from '../../src/storage/event-log';
import { createHostFactoryApi } from '../../src/hostfactory';
import { isKernelError } from '../../src/kernel';
import { templateInput } from '../support/templates';
import { availableNumber, closeSite, dyingBeforeTerminate, openSite, orphans, pollingDuringFirstDescribe, processOn, until, type SharedSite } from './reconcile-support';

let site: SharedSite;
afterEach(() => closeSite(site));

const WINDOW = { minutes: 15 };

async function requests(hf: ReturnType<typeof processOn>, type: 'acquire' | 'return'): Promise<RequestDto[]> {
  return (await hf.queries.execute(ListRequests.from({ type, limit: 200 }))).items;
}

async function allEvents(hf: ReturnType<typeof processOn>): Promise<StoredEvent[]> {
  return hf.storage.eventLog.readAfter(0, 10_000);
}

describe('Reconcile', () => {
  it('settles a request whose requestMachines was killed after the cloud started its machines', async () => {
    site = openSite();
    await orphans(site, [4]);
    const hf = processOn(site);
    expect(await availableNumber(hf)).toBe(6);

    // Inside the window the requester may still ask: nothing is touched.
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ examined: 1, awaitingAcknowledgement: 1, abandoned: 0, machinesReturned: 0 });
    expect(site.fake.callsTo('terminate')).toHaveLength(0);

    site.clock.advance(WINDOW);
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ examined: 1, abandoned: 1, closed: 1, machinesReturned: 4, conflicts: 0, errors: 0 });
    const [acquire] = await requests(hf, 'acquire');
    expect(acquire!.status).toBe('cancelled');
    expect(acquire!.machineIds).toHaveLength(4);
    const [returned] = await requests(hf, 'return');
    expect(acquire!.statusMessage).toBe(
      `Abandoned: nobody asked about request ${acquire!.requestId} by id within 900000 ms of its creation, so its id never reached the requester; its 4 live machine(s) are being terminated by return request ${returned!.requestId}.`,
    );
    const said = (await allEvents(hf)).map((s) => s.event).filter((e) => e.aggregateId === acquire!.requestId && e.type === 'RequestStatusChanged');
    expect(said.at(-1)!.data).toMatchObject({ to: 'cancelled', reason: acquire!.statusMessage });
    for (const machine of site.fake.machines()) expect(site.fake.terminateCount(machine.machineId)).toBe(1);

    // The next run follows the return request until the cloud confirms, which frees the capacity.
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ synced: 1, closed: 1 });
    expect(site.fake.machines().map((m) => m.status)).toEqual(['terminated', 'terminated', 'terminated', 'terminated']);
    expect((await requests(hf, 'return')).map((r) => r.status)).toEqual(['completed']);
    expect(await availableNumber(hf)).toBe(10);
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ examined: 0, remaining: 0 });
  });

  it('never settles a request its requester asked about by id, and syncs it on its own schedule', async () => {
    site = openSite();
    const hf = processOn(site);
    site.fake.script({ templateId: 'small' }, { bootAfterSyncs: 3 });
    await orphans(site, [2]);
    const [acquire] = await requests(hf, 'acquire');
    // Symphony polls the id it received: that is the acknowledgement.
    await createHostFactoryApi(hf, { reconcile: false }).getRequestStatus({ requests: [{ requestId: acquire!.requestId }] });
    expect((await hf.queries.execute(GetRequest.from({ requestId: acquire!.requestId }))).status).toBe('in_progress');

    site.clock.advance({ minutes: 20 });
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ abandoned: 0, synced: 1, closed: 0 });
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ abandoned: 0, synced: 1, closed: 1 });
    expect((await hf.queries.execute(GetRequest.from({ requestId: acquire!.requestId }))).status).toBe('completed');
    expect(site.fake.callsTo('terminate')).toHaveLength(0);
    expect(site.fake.machines().map((m) => m.status)).toEqual(['running', 'running']);
  });

  it('settles an unacknowledged request at its deadline when that comes before the window ends', async () => {
    site = openSite();
    const hf = processOn(site);
    await orphans(site, [2], templateInput(), { timeoutSeconds: 300 });
    site.clock.advance({ seconds: 299 });
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ awaitingAcknowledgement: 1, abandoned: 0 });
    site.clock.advance({ seconds: 1 });
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ abandoned: 1, machinesReturned: 2 });
    const [acquire] = await requests(hf, 'acquire');
    expect(acquire!.statusMessage).toMatch(/by id before its deadline 2\S+Z, so its id never reached the requester/);
  });

  it('settles a request whose provision timed out although the cloud started its machines later', async () => {
    site = openSite();
    const late: ProviderPort = {
      provision: async (input) => {
        await new Promise((resolve) => setTimeout(resolve, 60));
        return site.fake.provision(input);
      },
      describe: (input) => site.fake.describe(input),
      terminate: (input) => site.fake.terminate(input),
      reclaimNotices: () => site.fake.reclaimNotices(),
    };
    const symphony = processOn(site, late, 20);
    await symphony.commands.execute(CreateTemplate.from({ template: templateInput() }));
    const error = await symphony.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 2 })).catch((e: unknown) => e);
    expect(isKernelError(error, 'TIMEOUT')).toBe(true);
    await until(() => site.fake.machines().length === 2);
    const [acquire] = await requests(symphony, 'acquire');
    expect(acquire!.status).toBe('pending');

    site.clock.advance(WINDOW);
    expect(await symphony.commands.execute(Reconcile.from({}))).toMatchObject({ abandoned: 1, machinesReturned: 2 });
    await symphony.commands.execute(Reconcile.from({}));
    expect(site.fake.machines().map((m) => m.status)).toEqual(['terminated', 'terminated']);
    expect(await availableNumber(symphony)).toBe(10);
  });

  it('leaves alone a request its requester asks about while it is being settled', async () => {
    site = openSite();
    site.fake.script({ templateId: 'small' }, { bootAfterSyncs: 100 });
    await orphans(site, [2]);
    const symphony = processOn(site);
    const racing = pollingDuringFirstDescribe(site.fake, symphony);
    const reconciler = processOn(site, racing);
    site.clock.advance(WINDOW);
    expect(await reconciler.commands.execute(Reconcile.from({}))).toMatchObject({ abandoned: 0, conflicts: 1, machinesReturned: 0 });
    expect(site.fake.callsTo('terminate')).toHaveLength(0);
    const [acquire] = await requests(symphony, 'acquire');
    expect(acquire!.status).toBe('in_progress');
  });

  it('applies the deadline of a request nobody polls', async () => {
    site = openSite();
    const hf = processOn(site);
    await orphans(site, [2]);
    const [acquire] = await requests(hf, 'acquire');
    site.fake.script({ requestId: acquire!.requestId }, { bootAfterSyncs: 1000 });
    expect(await hf.commands.execute(Reconcile.from({ ackWindowMs: 0 }))).toMatchObject({ synced: 1, closed: 0 });
    site.clock.advance({ hours: 1, seconds: 1 });
    expect(await hf.commands.execute(Reconcile.from({ ackWindowMs: 0 }))).toMatchObject({ synced: 1, closed: 1 });
    expect((await hf.queries.execute(GetRequest.from({ requestId: acquire!.requestId }))).status).toBe('timeout');
  });

  it('looks at `limit` requests per run, in a rotation that reaches every open request', async () => {
    site = openSite();
    const hf = processOn(site);
    site.fake.script({ templateId: 'small' }, { bootAfterSyncs: 100 });
    await orphans(site, [1, 1, 1]);
    const ids = (await requests(hf, 'acquire')).map((r) => r.requestId).sort();
    const seen: string[] = [];
    for (let run = 0; run < 3; run++) {
      const before = site.fake.callsTo('describe').length;
      const calls = site.fake.calls.length;
      expect(await hf.commands.execute(Reconcile.from({ limit: 1, ackWindowMs: 0 }))).toMatchObject({ examined: 1, synced: 1, remaining: 2 });
      // The cost of a run: one provider call per request looked at, here one.
      expect(site.fake.calls.length - calls).toBe(1);
      seen.push(...site.fake.callsTo('describe').slice(before).map((c) => c.input.requestId));
    }
    expect(seen.sort()).toEqual(ids);
  });

  it('starts no request after `budgetMs`, leaving the rest for the next run', async () => {
    site = openSite();
    site.fake.script({ templateId: 'small' }, { bootAfterSyncs: 100 });
    await orphans(site, [1, 1, 1]);
    const slow: ProviderPort = {
      provision: (input) => site.fake.provision(input),
      describe: async (input) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return site.fake.describe(input);
      },
      terminate: (input) => site.fake.terminate(input),
      reclaimNotices: () => site.fake.reclaimNotices(),
    };
    const hf = processOn(site, slow);
    expect(await hf.commands.execute(Reconcile.from({ budgetMs: 5, ackWindowMs: 0 }))).toMatchObject({ examined: 1, synced: 1, remaining: 2 });
    expect(await hf.commands.execute(Reconcile.from({ ackWindowMs: 0 }))).toMatchObject({ examined: 3, synced: 3, remaining: 0 });
  });

  it('runs from two processes at once without terminating anything twice or letting a conflict escape', async () => {
    site = openSite();
    await orphans(site, [2, 3, 1]);
    const a = processOn(site);
    const b = processOn(site);
    site.clock.advance(WINDOW);
    const [ra, rb] = await Promise.all([a.commands.execute(Reconcile.from({})), b.commands.execute(Reconcile.from({}))]);
    expect(ra.abandoned + rb.abandoned).toBe(3);
    expect(ra.machinesReturned + rb.machinesReturned).toBe(6);
    expect(ra.errors + rb.errors).toBe(0);
    for (const machine of site.fake.machines()) expect(site.fake.terminateCount(machine.machineId)).toBe(1);
    await Promise.all([a.commands.execute(Reconcile.from({})), b.commands.execute(Reconcile.from({}))]);
    expect(site.fake.machines().every((m) => m.status === 'terminated')).toBe(true);
    expect(await availableNumber(a)).toBe(10);
  });
});

describe('getReturnRequests (Symphony calls it periodically)', () => {
  it('runs a bounded Reconcile that settles requests Symphony never heard of, unless turned off', async () => {
    site = openSite();
    await orphans(site, [3]);
    const hf = processOn(site);
    site.clock.advance(WINDOW);
    const quiet = await createHostFactoryApi(hf, { reconcile: false }).getReturnRequests({ machines: [] });
    expect(quiet.exitCode).toBe(0);
    expect(site.fake.callsTo('terminate')).toHaveLength(0);

    const api = createHostFactoryApi(hf);
    expect((await api.getReturnRequests({ machines: [] })).exitCode).toBe(0);
    expect(site.fake.machines().map((m) => site.fake.terminateCount(m.machineId))).toEqual([1, 1, 1]);
    await api.getReturnRequests({});
    expect(await availableNumber(hf)).toBe(10);
  });
});

describe('Reconcile and a lost terminate call', () => {
  it('re-sends it once from two processes at once, and the return completes', async () => {
    site = openSite();
    const symphony = processOn(site);
    await symphony.commands.execute(CreateTemplate.from({ template: templateInput() }));
    const { requestId } = await symphony.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 3 }));
    const machineIds = (await symphony.commands.execute(SyncRequest.from({ requestId }))).machineIds;

    // The process returning them is killed after claiming them, before its terminate call arrives.
    const doomed = processOn(site, dyingBeforeTerminate(site.fake));
    void doomed.commands.execute(RequestReturnMachines.from({ machines: machineIds.map((machineId) => ({ machineId })) })).catch(() => undefined);
    await until(() => site.memory.snapshotCounts().requests === 2);
    doomed.dispose();
    site.opened.splice(site.opened.indexOf(doomed), 1);

    const a = processOn(site, site.fake, 60_000);
    const b = processOn(site, site.fake, 60_000);
    site.clock.advance({ seconds: 61 });
    const runs = await Promise.all([a.commands.execute(Reconcile.from({})), b.commands.execute(Reconcile.from({}))]);
    expect(runs.map((r) => r.errors)).toEqual([0, 0]);
    for (const machineId of machineIds) expect(site.fake.terminateCount(machineId)).toBe(1);
    await a.commands.execute(Reconcile.from({}));
    expect((await requests(a, 'return')).map((r) => r.status)).toEqual(['completed']);
    expect(await availableNumber(a)).toBe(10);
  });
});
