import { afterEach, describe, expect, it } from 'vitest';
import { CreateTemplate } from '../../src/application/templates/template.commands';
import { GetRequest, ListRequests } from '../../src/application/requests/request.queries';
import { Reconcile } from '../../src/application/reconcile/reconcile.command';
import { RequestMachines } from '../../src/application/requests/request.commands';
import { type ProviderPort } from '../../src/application/provider/provider.port';
import { type RequestDto } from '../../src/application/read-models/request.dto';
import { createTestHostFactory, sequentialIds } from '../../src/testing';
import type { Logger } from '../../src/kernel';
import { templateInput } from '../support/templates';
import { availableNumber, closeSite, describingBefore, openSite, orphans, pollingDuringFirstDescribe, processOn, until, type SharedSite } from './reconcile-support';

/*
 * Rules of the reconciler that a planted bug used to slip past (issue 32, items 1 and 2): each test
 * here fails when its rule is broken.
 */
let site: SharedSite;
afterEach(() => closeSite(site));

const WINDOW = { minutes: 15 };

/** Creates the template and answers a RequestMachines of `machineCount` on `hf`, the cloud booting machines after `bootAfterSyncs` syncs. */
async function answered(hf: ReturnType<typeof processOn>, machineCount: number, bootAfterSyncs: number): Promise<string> {
  site.fake.script({ templateId: 'small' }, { bootAfterSyncs });
  await hf.commands.execute(CreateTemplate.from({ template: templateInput() }));
  return (await hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount }))).requestId;
}

async function acquires(hf: ReturnType<typeof processOn>): Promise<RequestDto[]> {
  return (await hf.queries.execute(ListRequests.from({ type: 'acquire', limit: 200 }))).items;
}

describe('Reconcile leaves acknowledgement to the requester', () => {
  it('syncs an unacknowledged request without acknowledging it, so it is still settled once the window passes', async () => {
    site = openSite();
    const hf = processOn(site);
    site.fake.script({ templateId: 'small' }, { bootAfterSyncs: 100 });
    await orphans(site, [2]);
    // `ackWindowMs: 0` makes the reconciler sync every open request itself (its own `acknowledge: false` syncs).
    expect(await hf.commands.execute(Reconcile.from({ ackWindowMs: 0 }))).toMatchObject({ examined: 1, synced: 1, abandoned: 0 });
    const [synced] = await acquires(hf);
    const stored = await hf.storage.unitOfWork.transaction((tx) => tx.requests.get(synced!.requestId));
    expect(stored!.acknowledgedAt).toBeNull();
    const events = await hf.storage.eventLog.readAfter(0, 10_000);
    expect(events.map((e) => e.event.type)).not.toContain('RequestAcknowledged');

    site.clock.advance(WINDOW);
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ abandoned: 1, machinesReturned: 2 });
    expect((await hf.queries.execute(GetRequest.from({ requestId: synced!.requestId }))).status).toBe('cancelled');
  });

  it('settles a requestMachines that was answered but never polled, once the window passes', async () => {
    site = openSite();
    const hf = processOn(site);
    // Running at provision: the record step of RequestMachines sees every machine up (it must not complete
    // an unacknowledged request, or no reconcile would ever return its machines). The call completes and
    // answers its id; the requester never asks about it (its answer was lost).
    const requestId = await answered(hf, 3, 0);
    expect(await availableNumber(hf)).toBe(7);
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ awaitingAcknowledgement: 1, abandoned: 0 });

    site.clock.advance(WINDOW);
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ abandoned: 1, machinesReturned: 3 });
    expect((await hf.queries.execute(GetRequest.from({ requestId }))).status).toBe('cancelled');
    await hf.commands.execute(Reconcile.from({}));
    expect(site.fake.machines().every((m) => m.status === 'terminated')).toBe(true);
    expect(await availableNumber(hf)).toBe(10);
  });
});

describe('Reconcile settling an abandoned request', () => {
  it('describes it by its recorded resources and machines, and warns, naming the request and the call, when describing or cancelling fails', async () => {
    site = openSite();
    const warnings: { message: string; fields: Record<string, unknown> | undefined }[] = [];
    const logger: Logger = { debug() {}, info() {}, error() {}, warn: (message, fields) => warnings.push({ message, fields }) };
    const hf = processOn(site, site.fake, undefined, { logger });
    const requestId = await answered(hf, 2, 100);
    const stored = (await acquires(hf))[0]!;
    expect(stored.resourceIds).toHaveLength(1);
    site.clock.advance(WINDOW);
    site.fake.script({ templateId: 'small' }, { throwAt: { describe: 'RequestLimitExceeded: slow down' } });
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ abandoned: 0, errors: 1 });
    expect(warnings).toEqual([
      { message: `reconciling ${requestId} failed; the next run retries it`, fields: { requestId, error: expect.stringContaining('The provider failed in describe: RequestLimitExceeded: slow down') } },
    ]);
    warnings.length = 0;
    site.fake.script({ templateId: 'small' }, { throwAt: { cancelProvision: 'RequestLimitExceeded: slow down' } });
    const described = site.fake.callsTo('describe').length;
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ abandoned: 1, machinesReturned: 2, errors: 0 });
    expect(site.fake.callsTo('describe')[described]!.input).toEqual({ requestId, resourceIds: stored.resourceIds, machineIds: stored.machineIds });
    expect(warnings).toEqual([
      {
        message: `cancelling the provision of abandoned request ${requestId} failed; the next Reconcile run asks again`,
        fields: { requestId, error: expect.stringContaining('The provider failed in cancelProvision: RequestLimitExceeded: slow down') },
      },
    ]);
  });
});

describe('Reconcile settling against another process', () => {
  it('counts a request another process synced between its describe and its commit as a conflict, and settles it on the next run', async () => {
    site = openSite();
    site.fake.script({ templateId: 'small' }, { bootAfterSyncs: 100 });
    await orphans(site, [2]);
    const [orphan] = await acquires(processOn(site));
    const other = processOn(site);
    // The other process syncs every open request itself (without acknowledging): it attaches the two machines.
    const hf = processOn(site, describingBefore(site.fake, orphan!.requestId, () => other.commands.execute(Reconcile.from({ ackWindowMs: 0 }))));
    site.clock.advance(WINDOW);
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ abandoned: 0, conflicts: 1, machinesReturned: 0 });
    const synced = (await acquires(hf))[0]!;
    expect(synced.status).toBe('in_progress');
    expect(synced.machineIds).toHaveLength(2);
    expect(site.fake.callsTo('terminate')).toHaveLength(0);
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ abandoned: 1, machinesReturned: 2 });
  });
});

describe('Reconcile and a requester who asks at the last moment', () => {
  it('leaves alone a request acknowledged while it was being settled, even when the poll recorded nothing new', async () => {
    site = openSite();
    const requester = processOn(site);
    // Answered with every machine recorded and still booting; the requester's poll then only acknowledges.
    const requestId = await answered(requester, 2, 100);
    const reconciler = processOn(site, pollingDuringFirstDescribe(site.fake, requester));
    site.clock.advance(WINDOW);
    expect(await reconciler.commands.execute(Reconcile.from({}))).toMatchObject({ abandoned: 0, machinesReturned: 0 });
    expect(site.fake.callsTo('terminate')).toHaveLength(0);
    expect((await requester.queries.execute(GetRequest.from({ requestId }))).status).not.toBe('cancelled');
  });
});

describe('Reconcile rotation', () => {
  it('reaches every open request in as many runs as `limit` allows: four requests, limit 2, two runs', async () => {
    site = openSite();
    const hf = processOn(site);
    site.fake.script({ templateId: 'small' }, { bootAfterSyncs: 100 });
    await orphans(site, [1, 1, 1, 1]);
    const ids = (await acquires(hf)).map((r) => r.requestId).sort();
    expect(ids).toHaveLength(4);
    const before = site.fake.callsTo('describe').length;
    for (let run = 0; run < 2; run++) {
      expect(await hf.commands.execute(Reconcile.from({ limit: 2, ackWindowMs: 0 }))).toMatchObject({ examined: 2, synced: 2, remaining: 2 });
    }
    const described = site.fake.callsTo('describe').slice(before).map((c) => c.input.requestId);
    expect(described.sort()).toEqual(ids);
  });

  it('follows the order of creation, not of ids, and starts again at the oldest after the newest', async () => {
    site = openSite();
    const early = processOn(site);
    const late = processOn(site); // its ids sort after every id of `early`
    site.fake.script({ templateId: 'small' }, { bootAfterSyncs: 100 });
    await early.commands.execute(CreateTemplate.from({ template: templateInput() }));
    const ask = async (hf: ReturnType<typeof processOn>) => {
      const { requestId } = await hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 1 }));
      site.clock.advance({ seconds: 1 });
      return requestId;
    };
    // The oldest request has the greatest id: a rotation that compared ids across creation times would go back to it.
    const order = [await ask(late), await ask(early), await ask(early), await ask(early)];
    expect(order[0]! > order[3]!).toBe(true);
    const runs: string[][] = [];
    for (let run = 0; run < 3; run++) {
      const before = site.fake.callsTo('describe').length;
      expect(await early.commands.execute(Reconcile.from({ limit: 2, ackWindowMs: 0 }))).toMatchObject({ examined: 2, synced: 2 });
      runs.push(site.fake.callsTo('describe').slice(before).map((c) => c.input.requestId));
    }
    expect(runs).toEqual([order.slice(0, 2), order.slice(2, 4), order.slice(0, 2)]);
  });
});

describe('Reconcile counts', () => {
  it('counts a request it synced as closed only once it left pending and in progress', async () => {
    site = openSite();
    // A process whose provision call never answers and starts nothing: its request stays pending.
    const silent: ProviderPort = { provision: () => new Promise<never>(() => undefined), describe: (input) => site.fake.describe(input), terminate: (input) => site.fake.terminate(input), reclaimNotices: () => site.fake.reclaimNotices() };
    const stuck = processOn(site, silent);
    await stuck.commands.execute(CreateTemplate.from({ template: templateInput() }));
    void stuck.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 1 })).catch(() => undefined);
    const hf = processOn(site);
    let pending: RequestDto[] = [];
    await until(() => {
      void acquires(hf).then((found) => (pending = found));
      return pending.length === 1;
    });
    expect(await hf.commands.execute(Reconcile.from({ ackWindowMs: 0 }))).toMatchObject({ examined: 1, synced: 1, closed: 0 });
    expect((await acquires(hf))[0]!.status).toBe('pending');
  });

  it('warns of nothing on a run with no open request, and logs a cursor it cannot read or save while the run goes on', async () => {
    site = openSite();
    const warnings: { message: string; error: unknown }[] = [];
    const logger: Logger = { debug() {}, info() {}, error() {}, warn: (message, fields) => warnings.push({ message, error: fields?.error }) };
    let cursorFails = false;
    const memoryModels = site.memory.readModels;
    const readModels = new Proxy(memoryModels, {
      get(target, key) {
        const value: unknown = Reflect.get(target, key);
        if (typeof value !== 'function') return value;
        return (collection: string, ...rest: unknown[]) => {
          if (cursorFails && collection === 'reconciler' && (key === 'get' || key === 'put')) return Promise.reject(new Error('disk full'));
          return (value as (...args: unknown[]) => unknown).call(target, collection, ...rest);
        };
      },
    });
    const hf = createTestHostFactory({ storage: { unitOfWork: site.memory.unitOfWork, eventLog: site.memory.eventLog, readModels }, provider: site.fake, clock: site.clock, ids: sequentialIds(9_000_000), logger });
    site.opened.push(hf);
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ examined: 0, errors: 0 });
    expect(warnings).toEqual([]);

    site.fake.script({ templateId: 'small' }, { bootAfterSyncs: 100 });
    await orphans(site, [1]);
    cursorFails = true;
    expect(await hf.commands.execute(Reconcile.from({ ackWindowMs: 0 }))).toMatchObject({ examined: 1, synced: 1, errors: 0 });
    expect(warnings.map((w) => w.message)).toEqual([
      'reading the reconcile cursor failed; starting from the oldest open request',
      'saving the reconcile cursor failed; the next run starts from the oldest open request',
    ]);
    for (const warning of warnings) expect(String(warning.error)).toContain('disk full');
  });
});
