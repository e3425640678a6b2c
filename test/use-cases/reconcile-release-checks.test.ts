import { afterEach, describe, expect, it } from 'vitest';
import { ListRequests } from '../../src/application/requests/request.queries';
import { CreateTemplate } from '../../src/application/templates/template.commands';
import { RequestMachines, SyncRequest } from '../../src/application/requests/request.commands';
import { Reconcile } from '../../src/application/reconcile/reconcile.command';
import { type ProviderPort } from '../../src/application/provider/provider.port';
import type { Logger } from '../../src/kernel';
import type { ReadModelStore } from '../../src/storage';
import { templateInput } from '../support/templates';
import { abandonedFleet, closeSite, describingBefore, openSite, orphans, processOn, settledFleetOn, withoutCancel, type SharedSite } from './reconcile-support';

/*
 * The guards of one release check (issue 32: survivors of src/application/reconcile): a release is
 * checked only while it is pending and unchanged since it was read, and a machine is handed to a
 * return request only while it runs and no open return request holds it. Each test fails when its
 * guard is removed.
 */
let site: SharedSite;
afterEach(() => closeSite(site));

const ACK_WINDOW = { minutes: 15 };
const RELEASE_WINDOW_MS = 1_800_000;
/** Instrumented code (mutation runs) is slower; wall-clock bounds scale with it. */
const TIME_FACTOR = Number(process.env.HOSTFACTORY_TIME_BOUND_FACTOR ?? '1') || 1;

/** Read models whose first listing of `collection` is answered as it was before `meanwhile()` ran; `counted` hears of each listing. */
function listingBefore(models: ReadModelStore, collection: string, meanwhile: () => Promise<unknown>, counted = () => {}): ReadModelStore {
  let raced = false;
  return new Proxy(models, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key);
      if (typeof value !== 'function') return value;
      if (key !== 'query') return (value as (...args: unknown[]) => unknown).bind(target);
      return async (name: string, query: Parameters<ReadModelStore['query']>[1]) => {
        const page = await target.query(name, query);
        if (name === collection) counted();
        if (name === collection && !raced) {
          raced = true;
          await meanwhile();
        }
        return page;
      };
    },
  });
}

const returnRequests = async (hf: ReturnType<typeof processOn>) => (await hf.queries.execute(ListRequests.from({ type: 'return' }))).items;

/** {@link settledFleetOn} on a new site, which the test closes. */
async function settledFleet(...args: Parameters<typeof settledFleetOn> extends [unknown, ...infer Rest] ? Rest : never) {
  site = openSite();
  return settledFleetOn(site, ...args);
}

describe('A release check', () => {
  it('leaves alone a release another process ended after the list of releases was read', async () => {
    const { hf: a } = await settledFleet((fake) => fake); // the cancel comes first: nothing launches
    site.clock.advance(RELEASE_WINDOW_MS);
    let ended: unknown;
    const readModels = listingBefore(site.memory.readModels, 'releases', async () => (ended = await a.commands.execute(Reconcile.from({}))));
    const b = processOn(site, site.fake, undefined, { storage: { ...site.memory, readModels } });
    const cancels = site.fake.callsTo('cancelProvision').length;

    expect(await b.commands.execute(Reconcile.from({}))).toMatchObject({ releasing: 0, released: 0, conflicts: 0, errors: 0 });
    expect(ended).toMatchObject({ releasing: 1, released: 1 });
    // Only the process that ended it asked the cloud to cancel: an ended release is never checked again.
    expect(site.fake.callsTo('cancelProvision')).toHaveLength(cancels + 1);
  });

  it('counts a release another process checked between its describe and its commit as a conflict, recording nothing', async () => {
    const { requestId, hf: a } = await settledFleet(withoutCancel);
    let first: unknown;
    const b = processOn(site, describingBefore(site.fake, requestId, async () => (first = await a.commands.execute(Reconcile.from({})))));

    expect(await b.commands.execute(Reconcile.from({}))).toMatchObject({ conflicts: 1, releasing: 0, machinesReturned: 0, errors: 0 });
    expect(first).toMatchObject({ releasing: 1, machinesReturned: 2 });
    expect(await returnRequests(a)).toHaveLength(1);
    for (const machine of site.fake.machines(requestId)) expect(site.fake.terminateCount(machine.machineId)).toBe(1);
  });

  it('does not claim again a machine its open return request is still terminating', async () => {
    const warnings: { message: string; fields: Record<string, unknown> | undefined }[] = [];
    const logger: Logger = { debug() {}, info() {}, error() {}, warn: (message, fields) => warnings.push({ message, fields }) };
    const { requestId, hf } = await settledFleet(withoutCancel, {}, { logger });
    // The terminate call fails: the return request stays in progress (its own sync re-sends it later).
    site.fake.script({ templateId: 'small' }, { throwAt: { terminate: 'RequestLimitExceeded: slow down' } });
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ releasing: 1, machinesReturned: 2 });
    const [held] = await returnRequests(hf);
    expect(held!.status).toBe('in_progress');
    const machineIds = site.fake.machines(requestId).map((m) => m.machineId);
    expect(warnings).toEqual([
      {
        message: `request ${requestId} was settled, yet the cloud runs 2 machine(s) of it; return request ${held!.requestId} terminates them`,
        fields: { requestId, returnRequestId: held!.requestId, machineIds },
      },
      {
        message: `terminating the machines of settled request ${requestId} failed; the return request ${held!.requestId} re-sends it`,
        fields: { requestId, returnRequestId: held!.requestId, error: expect.stringContaining('The provider failed in terminate: RequestLimitExceeded: slow down') },
      },
    ]);

    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ releasing: 1, machinesReturned: 0, errors: 0 });
    expect((await returnRequests(hf)).map((r) => r.requestId)).toEqual([held!.requestId]);
    expect(site.fake.callsTo('terminate')).toHaveLength(1);
  });

  it('claims again, with a new return request, a machine still running whose return request failed', async () => {
    const { hf } = await settledFleet(withoutCancel);
    site.fake.script({ templateId: 'small' }, { refuseTerminate: { all: true, message: 'UnauthorizedOperation: not allowed' } });
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ machinesReturned: 2 });
    expect((await returnRequests(hf)).map((r) => r.status)).toEqual(['failed']);

    site.fake.script({ templateId: 'small' }, { refuseTerminate: undefined });
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ machinesReturned: 2, errors: 0 });
    expect(await returnRequests(hf)).toHaveLength(2);
    expect(site.fake.callsTo('terminate')).toHaveLength(2);
  });

  it('attaches machines the cloud reports terminated but hands none to a return request', async () => {
    // The fleet launches despite the cancel, which then takes its machines down at once.
    const { requestId, hf } = await settledFleet((fake) => fake, { launchDespiteCancel: true });
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ releasing: 1, machinesReturned: 0 });
    expect(site.fake.machines(requestId).map((m) => m.status)).toEqual(['terminated', 'terminated']);
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ releasing: 1, machinesReturned: 0 });
    expect(await returnRequests(hf)).toEqual([]);
    expect(site.fake.callsTo('terminate')).toEqual([]);
  });
});

describe('A release ends', () => {
  it.each(['pending', 'running', 'stopping', 'stopped', 'unknown'] as const)('not while the cloud reports a machine of the request %s', async (alive) => {
    let reported: typeof alive | undefined;
    const { hf } = await settledFleet((fake) => {
      const port = withoutCancel(fake);
      return { ...port, describe: async (input) => (await port.describe(input)).map((m) => ({ ...m, status: reported ?? m.status })) };
    });
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ machinesReturned: 2 });
    site.clock.advance(RELEASE_WINDOW_MS);
    reported = alive;
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ releasing: 1, released: 0 });
    reported = undefined; // the cloud now reports them as they are: terminated
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ releasing: 1, released: 1 });
  });

  it('after cancelling and describing the request by its recorded resources and machines, not by its id alone', async () => {
    site = openSite();
    const hf = processOn(site);
    await hf.commands.execute(CreateTemplate.from({ template: templateInput() }));
    site.fake.script({ templateId: 'small' }, { fail: { message: 'Server.InternalError' } });
    const { requestId } = await hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 2 }));
    const failed = await hf.commands.execute(SyncRequest.from({ requestId }));
    expect(failed.status).toBe('failed');
    expect(failed.resourceIds).toHaveLength(1);
    expect(failed.machineIds).toHaveLength(2);
    const described = site.fake.callsTo('describe').length;
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ releasing: 1 });
    const asked = { requestId, resourceIds: failed.resourceIds, machineIds: failed.machineIds };
    expect(site.fake.callsTo('cancelProvision').map((c) => c.input)).toEqual([asked]);
    expect(site.fake.callsTo('describe').slice(described).map((c) => c.input)).toEqual([asked]);
  });
});

describe('Reconcile checking releases', () => {
  it('stops checking releases once the run has spent its budget, and lists none when the open requests spent it', async () => {
    site = openSite();
    site.fake.script({ templateId: 'small' }, { bootAfterSyncs: 100 });
    await orphans(site, [1, 1, 1]);
    const budgetMs = 200 * TIME_FACTOR;
    let slow = true;
    const port = withoutCancel(site.fake);
    const acquires = new Set(site.fake.callsTo('provision').map((c) => c.input.requestId));
    let listings = 0;
    const readModels = listingBefore(site.memory.readModels, 'releases', async () => undefined, () => (listings += 1));
    // Describing an acquire request takes longer than the whole budget (the return requests' syncs stay fast).
    const hf = processOn(site, {
      ...port,
      describe: async (input) => {
        if (slow && acquires.has(input.requestId)) await new Promise((resolve) => setTimeout(resolve, budgetMs + 50));
        return port.describe(input);
      },
    }, undefined, { storage: { ...site.memory, readModels } });
    expect(await hf.commands.execute(Reconcile.from({ ackWindowMs: 0, budgetMs }))).toMatchObject({ examined: 1, remaining: 2 });
    expect(listings).toBe(0);
    slow = false;
    site.clock.advance(ACK_WINDOW);
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ abandoned: 3 });
    slow = true;
    expect(await hf.commands.execute(Reconcile.from({ budgetMs }))).toMatchObject({ releasing: 1 });
    slow = false;
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ releasing: 3 });
  });

  it('checks the releases in progress oldest first (not by request id), never one already released, within `limit`', async () => {
    site = openSite();
    const hf = processOn(site); // opened first: its request ids sort before the orphan's
    await orphans(site, [1]);
    site.clock.advance(ACK_WINDOW);
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ abandoned: 1 });
    // Fifteen minutes later a request of `hf` fails: its release begins after the orphan's.
    site.clock.advance(ACK_WINDOW);
    site.fake.script({ templateId: 'small' }, { fail: { message: 'Server.InternalError' } });
    const { requestId } = await hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 1 }));
    expect((await hf.commands.execute(SyncRequest.from({ requestId }))).status).toBe('failed');
    // The orphan's release window has passed, the newer one's has not.
    site.clock.advance(RELEASE_WINDOW_MS - ACK_WINDOW.minutes * 60_000 + 60_000);
    expect(await hf.commands.execute(Reconcile.from({ limit: 1 }))).toMatchObject({ releasing: 1, released: 1 });
    expect(await hf.commands.execute(Reconcile.from({ limit: 1 }))).toMatchObject({ releasing: 1, released: 0 });
  });

  it('logs a release check that failed, a list of releases it could not read and read models it could not bring up to date, and goes on', async () => {
    site = openSite();
    site.fake.script({ templateId: 'small' }, { launchAfterMs: 20 * 60_000 });
    const requestId = await abandonedFleet(site);
    const warnings: { message: string; fields: Record<string, unknown> | undefined }[] = [];
    const logger: Logger = { debug() {}, info() {}, error() {}, warn: (message, fields) => warnings.push({ message, fields }) };
    let failing: 'listing' | 'head' | undefined;
    const failingOn = <T extends object>(store: T, key: string, which: typeof failing, collection?: string): T =>
      new Proxy(store, {
        get(target, name) {
          const value: unknown = Reflect.get(target, name);
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            if (failing === which && name === key && (collection === undefined || args[0] === collection)) return Promise.reject(new Error(`${which} offline`));
            return (value as (...rest: unknown[]) => unknown).apply(target, args);
          };
        },
      });
    const storage = { ...site.memory, readModels: failingOn(site.memory.readModels, 'query', 'listing', 'releases'), eventLog: failingOn(site.memory.eventLog, 'head', 'head') };
    const hf = processOn(site, site.fake, undefined, { storage, logger });
    site.clock.advance(ACK_WINDOW);
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ abandoned: 1, errors: 0 });
    expect(warnings).toEqual([]);

    const failedStep = (operation: string) => ({ message: `reconciling ${requestId} failed; the next run retries it`, fields: { requestId, error: expect.stringContaining(`The provider failed in ${operation}: RequestLimitExceeded: slow down`) } });
    for (const operation of ['cancelProvision', 'describe']) {
      site.fake.script({ templateId: 'small' }, { throwAt: { [operation]: 'RequestLimitExceeded: slow down' } });
      warnings.length = 0;
      expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ releasing: 0, errors: 1 });
      expect(warnings).toEqual([failedStep(operation)]);
    }
    site.fake.script({ templateId: 'small' }, { throwAt: {} });

    warnings.length = 0;
    failing = 'listing';
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ releasing: 0, errors: 1 });
    expect(warnings).toEqual([{ message: 'listing the releases in progress failed; the next run retries', fields: { error: 'listing offline' } }]);

    warnings.length = 0;
    failing = 'head';
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ releasing: 1, errors: 0 });
    expect(warnings).toEqual([{ message: 'catching up the read models before the release checks failed', fields: { error: 'Error: head offline' } }]);
  });
});
