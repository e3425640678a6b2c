import { afterEach, describe, expect, it } from 'vitest';
import { CreateTemplate } from '../../src/application/templates/template.commands';
import { RequestReturnMachines, SyncReclaimNotices } from '../../src/application/requests/request.commands';
import { NoActiveMachinesError } from '../../src/application/requests/request.errors';
import { GetRequest, GetRequestStatus, GetReturnRequests, ListRequests, ListReturnRequests } from '../../src/application/requests/request.queries';
import type { ProviderMachine, ProviderPort } from '../../src/application/provider/provider.port';
import { FakeProvider, ManualClock, type TestHostFactory } from '../../src/testing';
import { templateInput } from '../support/templates';
import { rejection, request, status, sync, withTemplate } from './support';

/*
 * The request queries of request.query-handlers.ts and the error of a return naming no active
 * machine (issue 32: their surviving mutants): not-found ids, the machines of a status, a refused
 * termination, the filters and paging of the lists, and which machines GetReturnRequests lists.
 */
let hf: TestHostFactory;
afterEach(() => hf?.dispose());

async function running(count: number) {
  hf = await withTemplate();
  return (await sync(hf, await request(hf, count))).machines;
}

describe('GetRequest and GetRequestStatus', () => {
  it('refuse an unknown id with REQUEST_NOT_FOUND', async () => {
    hf = await withTemplate();
    const requestId = 'req-00000000-0000-4000-8000-00000000ffff';
    expect((await rejection(hf.queries.execute(GetRequest.from({ requestId })))).code).toBe('REQUEST_NOT_FOUND');
    expect((await rejection(hf.queries.execute(GetRequestStatus.from({ requestId })))).code).toBe('REQUEST_NOT_FOUND');
  });

  it('leaves the machines out with includeMachines false', async () => {
    const machines = await running(2);
    const requestId = machines[0]!.requestId;
    expect((await hf.queries.execute(GetRequestStatus.from({ requestId, includeMachines: false }))).machines).toEqual([]);
    expect((await hf.queries.execute(GetRequestStatus.from({ requestId }))).machines).toHaveLength(2);
  });

  it('judges a machine whose termination was refused by its status once the cloud terminated it after all', async () => {
    const machines = await running(2);
    const [refused, accepted] = machines;
    hf.fake!.script({ templateId: 'small' }, { refuseTerminate: { machineIds: [refused!.machineId], message: 'termination protection is on' } });
    const ret = await hf.commands.execute(RequestReturnMachines.from({ machines: machines.map((m) => ({ machineId: m.machineId })) }));
    const before = await status(hf, ret.requestId);
    expect(before.machines.map((m) => [m.machineId, m.result])).toEqual([[refused!.machineId, 'fail'], [accepted!.machineId, 'executing']]);
    expect(before.machines[0]!.message).toBe('The provider refused to terminate it: termination protection is on');
    hf.fake!.kill(refused!.machineId, 'terminated by hand');
    const after = await sync(hf, ret.requestId);
    expect(after.machines.map((m) => [m.machineId, m.status, m.result])).toEqual([
      [refused!.machineId, 'terminated', 'succeed'],
      [accepted!.machineId, 'terminated', 'succeed'],
    ]);
  });
});

describe('ListRequests and ListReturnRequests', () => {
  it('filter requests by template', async () => {
    hf = await withTemplate();
    await hf.commands.execute(CreateTemplate.from({ template: templateInput({ templateId: 'large' }) }));
    const small = await request(hf, 1);
    const large = await request(hf, 1, 'large');
    expect((await hf.queries.execute(ListRequests.from({ templateId: 'large' }))).items.map((r) => r.requestId)).toEqual([large]);
    expect((await hf.queries.execute(ListRequests.from({ templateId: 'small' }))).items.map((r) => r.requestId)).toEqual([small]);
  });

  it('list return requests of one status, paged', async () => {
    const machines = await running(3);
    const returns: string[] = [];
    for (const machine of machines) {
      returns.push((await hf.commands.execute(RequestReturnMachines.from({ machines: [{ machineId: machine.machineId }] }))).requestId);
      hf.advance(1000);
    }
    await sync(hf, returns[0]!);
    const ids = async (query: Record<string, unknown>) => (await hf.queries.execute(ListReturnRequests.from(query))).items.map((r) => r.requestId);
    expect(await ids({ status: 'completed' })).toEqual([returns[0]]);
    expect(await ids({ status: 'in_progress' })).toEqual([returns[2], returns[1]]);
    expect(await ids({ limit: 1 })).toEqual([returns[2]]);
    expect(await ids({ limit: 1, offset: 1 })).toEqual([returns[1]]);
    expect((await hf.queries.execute(ListReturnRequests.from({ limit: 1 }))).total).toBe(3);
  });
});

describe('GetReturnRequests', () => {
  it('counts only notices at most maxAgeSeconds old', async () => {
    const [machine] = await running(1);
    hf.fake!.reclaim(machine!.machineId, { gracePeriod: 600 });
    await hf.commands.execute(SyncReclaimNotices.from({}));
    const listed = async (maxAgeSeconds?: number) => (await hf.queries.execute(GetReturnRequests.from(maxAgeSeconds === undefined ? {} : { maxAgeSeconds }))).map((r) => r.machineId);
    expect(await listed(0)).toEqual([machine!.machineId]);
    hf.advance({ seconds: 60 });
    expect(await listed(60)).toEqual([machine!.machineId]);
    expect(await listed(59)).toEqual([]);
    expect(await listed()).toEqual([machine!.machineId]);
  });

  it('lists each held machine the cloud took back once, by its host name, with its status and reason', async () => {
    const machines = await running(3);
    const [reclaimed, killed, alive] = machines;
    hf.fake!.reclaim(reclaimed!.machineId, { gracePeriod: 120, reason: 'spot interruption' });
    hf.fake!.kill(reclaimed!.machineId);
    hf.fake!.kill(killed!.machineId, 'spot capacity reclaimed');
    const held = [{ name: reclaimed!.name! }, { machineId: killed!.machineId }, { machineId: killed!.machineId, name: killed!.name! }, { name: alive!.name! }];
    await hf.commands.execute(SyncReclaimNotices.from({ machines: held }));
    expect(await hf.queries.execute(GetReturnRequests.from({ machines: held }))).toEqual([
      { machineId: reclaimed!.machineId, machine: reclaimed!.name, gracePeriod: 120, reason: 'spot interruption' },
      { machineId: killed!.machineId, machine: killed!.name, gracePeriod: 0, reason: 'The machine is terminated (spot capacity reclaimed).' },
    ]);
  });

  it('lists nothing for a host name no machine has, though other machines were taken back', async () => {
    const machines = await running(2);
    for (const machine of machines) hf.fake!.kill(machine.machineId);
    await hf.commands.execute(SyncReclaimNotices.from({ machines: machines.map((m) => ({ machineId: m.machineId })) }));
    expect(await hf.queries.execute(GetReturnRequests.from({ machines: [{ name: 'ghost.example' }] }))).toEqual([]);
  });

  it('says no reason was given for a machine taken back without one', async () => {
    const clock = new ManualClock();
    const fake = new FakeProvider({ clock });
    let stop = false;
    const stopped = (m: ProviderMachine): ProviderMachine => ({ machineId: m.machineId, status: 'stopped' });
    const provider: ProviderPort = {
      provision: (input) => fake.provision(input),
      describe: async (input) => (await fake.describe(input)).map((m) => (stop ? stopped(m) : m)),
      terminate: (input) => fake.terminate(input),
      reclaimNotices: () => fake.reclaimNotices(),
    };
    hf = await withTemplate({}, { provider, clock });
    const [machine] = (await sync(hf, await request(hf, 1))).machines;
    stop = true;
    await hf.commands.execute(SyncReclaimNotices.from({ machines: [{ machineId: machine!.machineId }] }));
    expect(await hf.queries.execute(GetReturnRequests.from({ machines: [{ machineId: machine!.machineId }] }))).toEqual([
      { machineId: machine!.machineId, machine: machine!.name, gracePeriod: 0, reason: 'The machine is stopped (no reason given).' },
    ]);
    fake.dispose();
  });
});

describe('a return naming no active machine', () => {
  it('is MACHINE_NOT_FOUND listing every name given', async () => {
    await running(1);
    const error = await rejection(hf.commands.execute(RequestReturnMachines.from({ machines: [{ name: 'ghost-a' }, { name: 'ghost-b' }] })));
    expect(error.code).toBe('MACHINE_NOT_FOUND');
    expect(error.message).toBe('No active machines to return: ghost-a, ghost-b. Name machines that exist and are not terminated (by machineId, or by host name).');
    expect(error.details).toEqual({ names: ['ghost-a', 'ghost-b'] });
  });

  it('says none was named when a host builds the error with no names', () => {
    const error = new NoActiveMachinesError([]);
    expect(error.message).toBe('No active machines to return: (none named). Name machines that exist and are not terminated (by machineId, or by host name).');
    expect(error.details).toEqual({ names: [] });
  });
});
