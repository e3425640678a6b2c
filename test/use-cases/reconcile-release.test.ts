import { afterEach, describe, expect, it } from 'vitest';
import { CreateTemplate } from '../../src/application/templates/template.commands';
import { GetRequest, ListRequests } from '../../src/application/requests/request.queries';
import { Reconcile } from '../../src/application/reconcile/reconcile.command';
import { RequestMachines, SyncRequest } from '../../src/application/requests/request.commands';
import { type ProviderPort } from '../../src/application/provider/provider.port';
import { isKernelError } from '../../src/kernel';
import { createTestHostFactory, FakeProvider as Fake } from '../../src/testing';
import { templateInput } from '../support/templates';
import { abandonedFleet, availableNumber, closeSite, openSite, orphans, processOn, withoutCancel, type SharedSite } from './reconcile-support';

let site: SharedSite;
afterEach(() => closeSite(site));

/** The default `limits.ackWindowMs` and `limits.releaseWindowMs`. */
const ACK_WINDOW = { minutes: 15 };
const RELEASE_WINDOW_MS = 1_800_000;

const statuses = (requestId: string) => site.fake.machines(requestId).map((m) => m.status);

describe('Reconcile releases what settled requests started', () => {
  it('finds and returns the machines a fleet launches after its abandoned request was settled', async () => {
    site = openSite();
    // The fleet's launch is already under way when its deletion arrives, as EC2 allows.
    site.fake.script({ templateId: 'small' }, { launchAfterMs: 20 * 60_000, launchDespiteCancel: true });
    const requestId = await abandonedFleet(site);
    const hf = processOn(site);

    site.clock.advance(ACK_WINDOW);
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ abandoned: 1, machinesReturned: 0, releasing: 0, released: 0 });
    expect((await hf.queries.execute(GetRequest.from({ requestId }))).status).toBe('cancelled');
    expect(site.fake.callsTo('cancelProvision').map((c) => c.input.requestId)).toEqual([requestId]);

    site.clock.advance({ minutes: 6 }); // the fleet launches its two machines now
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ releasing: 1, released: 0, errors: 0 });
    // The check cancels again (which takes the new machines down) and records them on the request.
    expect(site.fake.callsTo('cancelProvision')).toHaveLength(2);
    const acquire = await hf.queries.execute(GetRequest.from({ requestId }));
    expect(acquire.status).toBe('cancelled');
    expect(acquire.machineIds).toEqual(site.fake.machines(requestId).map((m) => m.machineId));
    expect(acquire.machineIds).toHaveLength(2);

    // Inside the window the request is described again even though nothing runs any more.
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ releasing: 1, released: 0 });
    expect(statuses(requestId)).toEqual(['terminated', 'terminated']);
    site.clock.advance(RELEASE_WINDOW_MS);
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ releasing: 1, released: 1 });
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ examined: 0, releasing: 0, released: 0 });
    expect(await availableNumber(hf)).toBe(10);
  });

  it('checks at most `limit` releases per run', async () => {
    site = openSite();
    site.fake.script({ templateId: 'small' }, { bootAfterSyncs: 100 });
    await orphans(site, [1, 1, 1]);
    const hf = processOn(site);
    site.clock.advance(ACK_WINDOW);
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ abandoned: 3 });
    site.clock.advance({ minutes: 1 });
    expect(await hf.commands.execute(Reconcile.from({ limit: 1 }))).toMatchObject({ releasing: 1 });
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ releasing: 3 });
  });

  it('cancels the fleet of an abandoned request with no machine yet, so it never launches', async () => {
    site = openSite();
    site.fake.script({ templateId: 'small' }, { launchAfterMs: 20 * 60_000 });
    const requestId = await abandonedFleet(site);
    const hf = processOn(site);

    site.clock.advance(ACK_WINDOW);
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ abandoned: 1, machinesReturned: 0 });
    site.clock.advance({ minutes: 10 });
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ releasing: 1, machinesReturned: 0 });
    expect(site.fake.machines(requestId)).toEqual([]);
    site.clock.advance(RELEASE_WINDOW_MS);
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ releasing: 1, released: 1 });
    expect(site.fake.machines(requestId)).toEqual([]);
  });

  it('without cancelProvision, describes the settled request through the window and returns what launches late', async () => {
    site = openSite();
    site.fake.script({ templateId: 'small' }, { launchAfterMs: 20 * 60_000 });
    const requestId = await abandonedFleet(site);
    const hf = processOn(site, withoutCancel(site.fake));

    site.clock.advance(ACK_WINDOW);
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ abandoned: 1, machinesReturned: 0 });
    site.clock.advance({ minutes: 6 });
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ releasing: 1, machinesReturned: 2 });
    const acquire = await hf.queries.execute(GetRequest.from({ requestId }));
    const [ret] = (await hf.queries.execute(ListRequests.from({ type: 'return' }))).items;
    expect(ret!.machineIds).toEqual(acquire.machineIds);
    site.clock.advance(RELEASE_WINDOW_MS);
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ released: 1 });
    expect(statuses(requestId)).toEqual(['terminated', 'terminated']);
    expect(await availableNumber(hf)).toBe(10);
    expect(site.fake.callsTo('cancelProvision')).toEqual([]);
  });

  it('checks a release from two processes at once without returning a machine twice', async () => {
    site = openSite();
    site.fake.script({ templateId: 'small' }, { launchAfterMs: 20 * 60_000 });
    const requestId = await abandonedFleet(site);
    const a = processOn(site, withoutCancel(site.fake));
    const b = processOn(site, withoutCancel(site.fake));
    site.clock.advance(ACK_WINDOW);
    await a.commands.execute(Reconcile.from({}));
    site.clock.advance({ minutes: 6 });
    const [ra, rb] = await Promise.all([a.commands.execute(Reconcile.from({})), b.commands.execute(Reconcile.from({}))]);
    expect(ra.machinesReturned + rb.machinesReturned).toBe(2);
    expect(ra.errors + rb.errors).toBe(0);
    expect(ra.conflicts + rb.conflicts).toBe(1);
    for (const machine of site.fake.machines(requestId)) expect(site.fake.terminateCount(machine.machineId)).toBe(1);
  });

  it('keeps a release open past its window while the cloud still runs a machine of the request', async () => {
    site = openSite();
    site.fake.script({ templateId: 'small' }, { launchAfterMs: 20 * 60_000, launchDespiteCancel: true, terminateAfterSyncs: 1_000 });
    const requestId = await abandonedFleet(site);
    const hf = processOn(site, withoutCancel(site.fake));
    site.clock.advance(ACK_WINDOW);
    await hf.commands.execute(Reconcile.from({}));
    site.fake.script({ templateId: 'small' }, { refuseTerminate: { all: true, message: 'UnauthorizedOperation: not allowed' } });
    site.clock.advance(RELEASE_WINDOW_MS);
    for (let run = 0; run < 3; run += 1) expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ releasing: 1, released: 0 });
    expect(statuses(requestId)).toEqual(['running', 'running']);
  });

  it('retries a cancel the provider failed on the next run, and releases once it succeeds', async () => {
    site = openSite();
    site.fake.script({ templateId: 'small' }, { launchAfterMs: 20 * 60_000, throwAt: { cancelProvision: 'RequestLimitExceeded: slow down' } });
    const requestId = await abandonedFleet(site);
    const hf = processOn(site);
    site.clock.advance(ACK_WINDOW);
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ abandoned: 1, errors: 0 });
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ releasing: 0, errors: 1 });
    site.fake.script({ templateId: 'small' }, { throwAt: {} });
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ releasing: 1, errors: 0 });
    site.clock.advance(RELEASE_WINDOW_MS);
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ released: 1 });
    expect(site.fake.callsTo('cancelProvision')).toHaveLength(4);
    expect(site.fake.machines(requestId)).toEqual([]);
  });

  it('cancels the provision of a request the provider refused, and of one derived failed by a sync', async () => {
    site = openSite();
    const hf = processOn(site);
    await hf.commands.execute(CreateTemplate.from({ template: templateInput() }));
    site.fake.script({ templateId: 'small' }, { capacityError: 'InsufficientInstanceCapacity: no t3.small' });
    const refused = await hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 1 })).catch((e: unknown) => e);
    expect(isKernelError(refused, 'PROVIDER_ERROR')).toBe(true);
    site.fake.script({ templateId: 'small' }, { capacityError: undefined, fail: { message: 'Server.InternalError' } });
    const { requestId } = await hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 1 }));
    expect((await hf.commands.execute(SyncRequest.from({ requestId }))).status).toBe('failed');

    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ releasing: 2, released: 0 });
    const cancelled = site.fake.callsTo('cancelProvision').map((c) => c.input.requestId);
    expect(cancelled).toHaveLength(2);
    expect(cancelled).toContain(requestId);
    site.clock.advance(RELEASE_WINDOW_MS);
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ releasing: 2, released: 2 });
  });

  it('still settles abandoned requests when the releases cannot be listed, counting the failure', async () => {
    site = openSite();
    site.fake.script({ templateId: 'small' }, { launchAfterMs: 20 * 60_000 });
    await abandonedFleet(site);
    const models = site.memory.readModels;
    const readModels = new Proxy(models, {
      get(target, key) {
        if (key === 'query') {
          return async (collection: string, query: Parameters<typeof models.query>[1]) => {
            if (collection === 'releases') throw new Error('read models offline');
            return target.query(collection, query);
          };
        }
        const value = Reflect.get(target, key) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const hf = createTestHostFactory({ storage: { unitOfWork: site.memory.unitOfWork, eventLog: site.memory.eventLog, readModels }, provider: site.fake, clock: site.clock });
    site.opened.push(hf);
    site.clock.advance(ACK_WINDOW);
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ abandoned: 1, releasing: 0, errors: 1 });
  });

  it('refuses a release window or a cancelProvision it cannot use, naming the setting', () => {
    site = openSite();
    for (const releaseWindowMs of [-1, 1.5, Number.NaN, 8 * 86_400_000]) {
      expect(() => createTestHostFactory({ limits: { releaseWindowMs } })).toThrow(expect.objectContaining({
        code: 'INVALID_CONFIGURATION',
        message: expect.stringMatching(/limits\.releaseWindowMs \(an integer of milliseconds from 0 to 604800000, got /),
      }));
    }
    const odd = Object.assign(withoutCancel(new Fake()), { cancelProvision: 'yes' }) as unknown as ProviderPort;
    expect(() => createTestHostFactory({ provider: odd })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIGURATION', message: expect.stringMatching(/provider\.cancelProvision\(\)/) }));
    createTestHostFactory({ limits: { releaseWindowMs: 0 } }).dispose();
  });
});
