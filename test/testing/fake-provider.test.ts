import { describe, expect, it } from 'vitest';
import type { ProvisionInput } from '../../src/application/provider/provider.port';
import { FakeProvider, ManualClock, sampleTemplateSnapshot } from '../../src/testing/index';

const ONDEMAND = sampleTemplateSnapshot({ templateId: 'ondemand' });
const OTHER = sampleTemplateSnapshot({ templateId: 'other' });
const SPOT = sampleTemplateSnapshot({ templateId: 'spot', priceType: 'spot', vmType: null, vmTypes: { 'm5.xlarge': 2, 'm5.large': 1 } });

function input(requestId: string, count = 2, template = ONDEMAND): ProvisionInput {
  return { requestId, template, count, tags: { team: 'hpc' } };
}

async function statuses(fake: FakeProvider, requestId: string): Promise<string[]> {
  return (await fake.describe({ requestId, resourceIds: [], machineIds: [] })).map((m) => m.status);
}

/** Resolves to 'pending' when `promise` has not settled after a few turns of the event loop. */
async function settledState(promise: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  promise.then(() => (state = 'resolved'), () => (state = 'rejected'));
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
  return state;
}

describe('FakeProvider', () => {
  describe('provision', () => {
    it('creates machines with deterministic ids, host names and private IPs', async () => {
      const fake = new FakeProvider();
      const result = await fake.provision(input('req-1'));
      expect(result.resourceIds).toEqual(['fleet-fake0001']);
      expect(result.machines.map((m) => [m.machineId, m.name, m.privateIpAddress])).toEqual([
        ['i-fake0001', 'ip-10-0-0-1.fake.internal', '10.0.0.1'],
        ['i-fake0002', 'ip-10-0-0-2.fake.internal', '10.0.0.2'],
      ]);
      const [first] = result.machines;
      expect(first).toMatchObject({ status: 'pending', instanceType: 'm5.large', priceType: 'ondemand', resourceId: 'fleet-fake0001', instanceTags: { team: 'hpc' } });
      expect(first?.launchTime?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    });

    it('is idempotent per requestId: a repeat returns the same resources and machines and creates nothing', async () => {
      const fake = new FakeProvider();
      const first = await fake.provision(input('req-1', 3));
      const again = await fake.provision(input('req-1', 5));
      expect(again.resourceIds).toEqual(first.resourceIds);
      expect(again.machines.map((m) => m.machineId)).toEqual(first.machines.map((m) => m.machineId));
      expect(fake.machines()).toHaveLength(3);
      const next = await fake.provision(input('req-2', 1));
      expect(next.machines.map((m) => m.machineId)).toEqual(['i-fake0004']);
      expect(next.resourceIds).toEqual(['fleet-fake0002']);
    });

    it('rejects a count that is not a positive integer', async () => {
      const fake = new FakeProvider();
      await expect(fake.provision(input('req-1', 0))).rejects.toThrow(/count must be an integer ≥ 1/);
      expect(fake.machines()).toEqual([]);
    });

    it('covers the units of a weighted template with the first vmTypes entry by default', async () => {
      const fake = new FakeProvider();
      const { machines } = await fake.provision(input('req-1', 5, SPOT));
      expect(machines.map((m) => m.instanceType)).toEqual(['m5.xlarge', 'm5.xlarge', 'm5.xlarge']);
      expect(machines.every((m) => m.priceType === 'spot')).toBe(true);
    });

    it('uses scripted instanceTypes in turn, each counting its weight', async () => {
      const fake = new FakeProvider().script({ templateId: 'spot' }, { instanceTypes: ['m5.large', 'm5.xlarge'] });
      const { machines } = await fake.provision(input('req-1', 4, SPOT));
      expect(machines.map((m) => m.instanceType)).toEqual(['m5.large', 'm5.xlarge', 'm5.large']);
    });

    it('reports the scripted instanceType and priceType', async () => {
      const fake = new FakeProvider().script({ requestId: 'req-1' }, { instanceType: 'c5.large', priceType: 'spot' });
      const { machines } = await fake.provision(input('req-1', 1));
      expect(machines[0]).toMatchObject({ instanceType: 'c5.large', priceType: 'spot' });
    });
  });

  describe('booting', () => {
    it('by default brings machines up at the first describe', async () => {
      const fake = new FakeProvider();
      await fake.provision(input('req-1'));
      expect(await statuses(fake, 'req-1')).toEqual(['running', 'running']);
    });

    it('immediate: machines are running as provision returns them', async () => {
      const fake = new FakeProvider().script({ templateId: 'ondemand' }, { immediate: true });
      const { machines } = await fake.provision(input('req-1'));
      expect(machines.map((m) => m.status)).toEqual(['running', 'running']);
    });

    it('bootAfterSyncs: machines stay pending until that many describes', async () => {
      const fake = new FakeProvider().script({ templateId: 'ondemand' }, { bootAfterSyncs: 3 });
      await fake.provision(input('req-1', 1));
      expect(await statuses(fake, 'req-1')).toEqual(['pending']);
      expect(await statuses(fake, 'req-1')).toEqual(['pending']);
      expect(await statuses(fake, 'req-1')).toEqual(['running']);
      expect(fake.machines('req-1')[0]?.syncs).toBe(3);
    });

    it('bootAfterMs: machines stay pending until that much clock time has passed', async () => {
      const clock = new ManualClock();
      const fake = new FakeProvider({ clock }).script({ templateId: 'ondemand' }, { bootAfterMs: 60_000 });
      await fake.provision(input('req-1', 1));
      expect(await statuses(fake, 'req-1')).toEqual(['pending']);
      clock.advance({ seconds: 59 });
      expect(await statuses(fake, 'req-1')).toEqual(['pending']);
      clock.advance({ seconds: 1 });
      expect(await statuses(fake, 'req-1')).toEqual(['running']);
    });

    it('fail: chosen machines go failed with the message when they would have come up', async () => {
      const fake = new FakeProvider().script({ templateId: 'ondemand' }, { fail: { machineIndexes: [1], message: 'InsufficientInstanceCapacity in us-east-1a' } });
      await fake.provision(input('req-1', 3));
      const machines = await fake.describe({ requestId: 'req-1', resourceIds: [], machineIds: [] });
      expect(machines.map((m) => m.status)).toEqual(['running', 'failed', 'running']);
      expect(machines[1]?.statusReason).toBe('InsufficientInstanceCapacity in us-east-1a');
    });

    it('fail: count picks the first machines, and neither count nor indexes fails them all', async () => {
      const fake = new FakeProvider()
        .script({ requestId: 'req-1' }, { immediate: true, fail: { count: 2, message: 'boom' } })
        .script({ requestId: 'req-2' }, { immediate: true, fail: { message: 'boom' } });
      expect((await fake.provision(input('req-1', 3))).machines.map((m) => m.status)).toEqual(['failed', 'failed', 'running']);
      expect((await fake.provision(input('req-2', 2))).machines.map((m) => m.status)).toEqual(['failed', 'failed']);
    });
  });

  describe('script resolution', () => {
    it('a request script overrides the template script, which overrides the defaults', async () => {
      const fake = new FakeProvider({ defaults: { instanceType: 'default.type', immediate: true } })
        .script({ templateId: 'ondemand' }, { instanceType: 'template.type' })
        .script({ requestId: 'req-2' }, { instanceType: 'request.type', immediate: false });
      const other = await fake.provision(input('req-0', 1, OTHER));
      const fromTemplate = await fake.provision(input('req-1', 1));
      const fromRequest = await fake.provision(input('req-2', 1));
      expect(other.machines[0]).toMatchObject({ instanceType: 'default.type', status: 'running' });
      expect(fromTemplate.machines[0]).toMatchObject({ instanceType: 'template.type', status: 'running' });
      expect(fromRequest.machines[0]).toMatchObject({ instanceType: 'request.type', status: 'pending' });
    });

    it('scripting the same target again merges over what was there, and takes effect from then on', async () => {
      const fake = new FakeProvider().script({ requestId: 'req-1' }, { bootAfterSyncs: 5, instanceType: 'c5.large' });
      await fake.provision(input('req-1', 1));
      expect(await statuses(fake, 'req-1')).toEqual(['pending']);
      fake.script({ requestId: 'req-1' }, { bootAfterSyncs: 1 });
      expect(await statuses(fake, 'req-1')).toEqual(['running']);
      expect(fake.machines('req-1')[0]?.instanceType).toBe('c5.large');
    });

    it('rejects invalid scripts with RangeError or TypeError', () => {
      const fake = new FakeProvider();
      expect(() => fake.script({ templateId: 'x' }, { bootAfterSyncs: -1 })).toThrow(RangeError);
      expect(() => fake.script({ templateId: 'x' }, { instanceTypes: [] })).toThrow(RangeError);
      expect(() => fake.script({ requestId: '' }, {})).toThrow(TypeError);
      expect(() => new FakeProvider({ defaults: { terminateAfterSyncs: Number.NaN } })).toThrow(RangeError);
    });
  });

  describe('errors', () => {
    it('capacityError: provision throws that message and creates nothing', async () => {
      const fake = new FakeProvider().script({ templateId: 'ondemand' }, { capacityError: 'We currently do not have sufficient m5.large capacity' });
      const error = await fake.provision(input('req-1')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error).toMatchObject({ name: 'InsufficientInstanceCapacity', message: 'We currently do not have sufficient m5.large capacity' });
      expect(fake.machines()).toEqual([]);
      expect(await fake.describe({ requestId: 'req-1', resourceIds: [], machineIds: [] })).toEqual([]);
    });

    it('throwAt: each method throws the message after recording the call, with no effect', async () => {
      const fake = new FakeProvider();
      await fake.provision(input('req-1', 1));
      fake.script({ requestId: 'req-1' }, { throwAt: { provision: 'provision down', describe: 'describe down', terminate: 'terminate down' } });
      await expect(fake.provision(input('req-1', 1))).rejects.toThrow('provision down');
      await expect(fake.describe({ requestId: 'req-1', resourceIds: [], machineIds: [] })).rejects.toThrow('describe down');
      await expect(fake.terminate({ requestId: 'req-1', machineIds: ['i-fake0001'] })).rejects.toThrow('terminate down');
      expect(fake.callsTo('describe')).toHaveLength(1);
      expect(fake.machines()[0]).toMatchObject({ status: 'pending', syncs: 0 });
    });

    it('throwAt scripted for a template applies to a return request naming its machines', async () => {
      const fake = new FakeProvider().script({ templateId: 'ondemand' }, { throwAt: { terminate: 'UnauthorizedOperation' } });
      await fake.provision(input('req-1', 1));
      await expect(fake.terminate({ requestId: 'ret-1', machineIds: ['i-fake0001'] })).rejects.toThrow('UnauthorizedOperation');
    });

    it('hangAt: the call never settles until release(), which rejects it naming the method', async () => {
      const fake = new FakeProvider().script({ templateId: 'ondemand' }, { hangAt: { provision: true } });
      const hung = fake.provision(input('req-1'));
      expect(await settledState(hung)).toBe('pending');
      expect(fake.hangingCalls).toBe(1);
      fake.release();
      await expect(hung).rejects.toThrow('the hung provision call was released');
      expect(fake.hangingCalls).toBe(0);
      expect(fake.machines()).toEqual([]);
    });

    it('hangAt: a hung call holds no timer or handle, so it cannot keep the process alive', async () => {
      const fake = new FakeProvider().script({ templateId: 'ondemand' }, { hangAt: { provision: true } });
      const before = process.getActiveResourcesInfo().sort();
      const hung = fake.provision(input('req-1'));
      expect(await settledState(hung)).toBe('pending');
      expect(process.getActiveResourcesInfo().sort()).toEqual(before);
      fake.release();
      await expect(hung).rejects.toThrow();
    });

    it('hangAt: describe and terminate hang too, and dispose() abandons them', async () => {
      const fake = new FakeProvider();
      await fake.provision(input('req-1', 1));
      fake.script({ requestId: 'req-1' }, { hangAt: { describe: true, terminate: true } });
      const describing = fake.describe({ requestId: 'req-1', resourceIds: [], machineIds: [] });
      const terminating = fake.terminate({ requestId: 'req-1', machineIds: ['i-fake0001'] });
      expect(await settledState(describing)).toBe('pending');
      expect(await settledState(terminating)).toBe('pending');
      fake.dispose();
      await expect(describing).rejects.toThrow('the hung describe call was abandoned');
      await expect(terminating).rejects.toThrow('the hung terminate call was abandoned');
      expect(fake.machines()[0]?.status).toBe('pending');
    });

    it('rejects every call after dispose(), keeping what was recorded readable', async () => {
      const fake = new FakeProvider();
      await fake.provision(input('req-1', 1));
      fake.dispose();
      await expect(fake.describe({ requestId: 'req-1', resourceIds: [], machineIds: [] })).rejects.toThrow('the provider is disposed');
      await expect(fake.reclaimNotices()).rejects.toThrow('the provider is disposed');
      expect(fake.calls).toHaveLength(1);
      expect(fake.machines()).toHaveLength(1);
    });
  });

  describe('describe', () => {
    it('returns every machine of the request by id or by its resource ids, and named machines of other requests', async () => {
      const fake = new FakeProvider();
      const { resourceIds } = await fake.provision(input('req-1', 2));
      await fake.provision(input('req-2', 1));
      expect((await fake.describe({ requestId: 'req-1', resourceIds: [], machineIds: [] })).map((m) => m.machineId)).toEqual(['i-fake0001', 'i-fake0002']);
      expect((await fake.describe({ requestId: 'other', resourceIds, machineIds: [] })).map((m) => m.machineId)).toEqual(['i-fake0001', 'i-fake0002']);
      const forReturn = await fake.describe({ requestId: 'ret-1', resourceIds: [], machineIds: ['i-fake0003', 'i-fake0001'] });
      expect(forReturn.map((m) => m.machineId)).toEqual(['i-fake0003', 'i-fake0001']);
    });

    it('leaves unknown ids out without throwing', async () => {
      const fake = new FakeProvider();
      await fake.provision(input('req-1', 1));
      expect(await fake.describe({ requestId: 'req-unknown', resourceIds: ['fleet-unknown'], machineIds: ['i-unknown'] })).toEqual([]);
      const described = await fake.describe({ requestId: 'req-1', resourceIds: [], machineIds: ['i-unknown'] });
      expect(described.map((m) => m.machineId)).toEqual(['i-fake0001']);
    });

    it('returns copies: mutating a result changes nothing stored', async () => {
      const fake = new FakeProvider();
      await fake.provision(input('req-1', 1));
      const [machine] = await fake.describe({ requestId: 'req-1', resourceIds: [], machineIds: [] });
      (machine?.instanceTags as Record<string, string>).team = 'changed';
      machine?.launchTime?.setFullYear(1990);
      const [again] = await fake.describe({ requestId: 'req-1', resourceIds: [], machineIds: [] });
      expect(again?.instanceTags).toEqual({ team: 'hpc' });
      expect(again?.launchTime?.getUTCFullYear()).toBe(2026);
    });
  });

  describe('terminate', () => {
    it('moves machines to shutting-down, then terminated at the next describe', async () => {
      const fake = new FakeProvider().script({ templateId: 'ondemand' }, { immediate: true });
      await fake.provision(input('req-1', 2));
      expect(await fake.terminate({ requestId: 'ret-1', machineIds: ['i-fake0001'] })).toEqual({ accepted: ['i-fake0001'], failed: [] });
      expect(fake.machines('req-1').map((m) => m.status)).toEqual(['shutting-down', 'running']);
      expect(await statuses(fake, 'req-1')).toEqual(['terminated', 'running']);
      expect(fake.machines('req-1')[0]?.terminatedAt?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    });

    it('terminateAfterSyncs: machines stay shutting-down for that many describes', async () => {
      const fake = new FakeProvider().script({ templateId: 'ondemand' }, { immediate: true, terminateAfterSyncs: 2 });
      await fake.provision(input('req-1', 1));
      await fake.terminate({ requestId: 'ret-1', machineIds: ['i-fake0001'] });
      expect(await statuses(fake, 'req-1')).toEqual(['shutting-down']);
      expect(await statuses(fake, 'req-1')).toEqual(['shutting-down']);
      expect(await statuses(fake, 'req-1')).toEqual(['terminated']);
    });

    it('is idempotent: machines terminating, terminated or never created are accepted again', async () => {
      const fake = new FakeProvider();
      await fake.provision(input('req-1', 2));
      const ids = ['i-fake0001', 'i-fake0002', 'i-gone'];
      expect(await fake.terminate({ requestId: 'ret-1', machineIds: ids })).toEqual({ accepted: ids, failed: [] });
      expect(await fake.terminate({ requestId: 'ret-1', machineIds: ids })).toEqual({ accepted: ids, failed: [] });
      await statuses(fake, 'req-1');
      expect(await fake.terminate({ requestId: 'ret-2', machineIds: [...ids, 'i-fake0001'] })).toEqual({ accepted: ids, failed: [] });
      expect(fake.terminateCount('i-fake0001')).toBe(3);
      expect(fake.terminateCount('i-never-named')).toBe(0);
    });

    it('refuseTerminate: refused machines stay as they are and are reported failed with the message', async () => {
      const fake = new FakeProvider().script({ templateId: 'ondemand' }, { immediate: true, refuseTerminate: { machineIds: ['i-fake0002'], message: 'termination protection is on' } });
      await fake.provision(input('req-1', 2));
      const result = await fake.terminate({ requestId: 'ret-1', machineIds: ['i-fake0001', 'i-fake0002'] });
      expect(result).toEqual({ accepted: ['i-fake0001'], failed: [{ machineId: 'i-fake0002', message: 'termination protection is on' }] });
      expect(fake.machines().map((m) => m.status)).toEqual(['shutting-down', 'running']);
    });

    it('refuseTerminate: all (or no ids) refuses every machine, and a script for the return request applies', async () => {
      const fake = new FakeProvider().script({ requestId: 'ret-1' }, { refuseTerminate: { all: true, message: 'no' } });
      await fake.provision(input('req-1', 2));
      const refused = await fake.terminate({ requestId: 'ret-1', machineIds: ['i-fake0001', 'i-fake0002'] });
      expect(refused.failed.map((f) => f.machineId)).toEqual(['i-fake0001', 'i-fake0002']);
      fake.script({ requestId: 'ret-2' }, { refuseTerminate: { message: 'still no' } });
      expect((await fake.terminate({ requestId: 'ret-2', machineIds: ['i-fake0001'] })).failed).toEqual([{ machineId: 'i-fake0001', message: 'still no' }]);
      expect((await fake.terminate({ requestId: 'ret-3', machineIds: ['i-fake0001'] })).accepted).toEqual(['i-fake0001']);
    });
  });

  describe('behind Symphony\'s back', () => {
    it('kill: the next describe reports the machine terminated with the reason', async () => {
      const fake = new FakeProvider().script({ templateId: 'ondemand' }, { immediate: true });
      await fake.provision(input('req-1', 1));
      fake.kill('i-fake0001', 'spot instance interrupted');
      const [machine] = await fake.describe({ requestId: 'req-1', resourceIds: [], machineIds: [] });
      expect(machine).toMatchObject({ status: 'terminated', statusReason: 'spot instance interrupted' });
      expect(() => fake.kill('i-unknown')).toThrow(/no machine "i-unknown"/);
    });

    it('reclaim: notices list the machine, its host name and the grace left by the clock', async () => {
      const clock = new ManualClock();
      const fake = new FakeProvider({ clock });
      await fake.provision(input('req-1', 2));
      expect(await fake.reclaimNotices()).toEqual([]);
      fake.reclaim('i-fake0002', { gracePeriod: 120, reason: 'spot interruption' });
      expect(await fake.reclaimNotices()).toEqual([{ machineId: 'i-fake0002', name: 'ip-10-0-0-2.fake.internal', gracePeriod: 120, reason: 'spot interruption' }]);
      clock.advance({ seconds: 30 });
      expect((await fake.reclaimNotices())[0]?.gracePeriod).toBe(90);
      clock.advance({ minutes: 5 });
      expect((await fake.reclaimNotices())[0]?.gracePeriod).toBe(0);
      expect(fake.machines()[1]?.status).toBe('pending');
    });

    it('reclaim: a second notice replaces the first, clearReclaims removes all, bad input throws', async () => {
      const fake = new FakeProvider();
      await fake.provision(input('req-1', 2));
      fake.reclaim('i-fake0001', { gracePeriod: 120 });
      fake.reclaim('i-fake0001', { gracePeriod: 10 });
      fake.reclaim('i-fake0002', { gracePeriod: 0 });
      expect(await fake.reclaimNotices()).toEqual([
        { machineId: 'i-fake0001', name: 'ip-10-0-0-1.fake.internal', gracePeriod: 10 },
        { machineId: 'i-fake0002', name: 'ip-10-0-0-2.fake.internal', gracePeriod: 0 },
      ]);
      fake.clearReclaims();
      expect(await fake.reclaimNotices()).toEqual([]);
      expect(() => fake.reclaim('i-unknown', { gracePeriod: 1 })).toThrow(/no machine "i-unknown"/);
      expect(() => fake.reclaim('i-fake0001', { gracePeriod: -1 })).toThrow(RangeError);
    });
  });

  describe('recording', () => {
    it('records every call in order with a deep copy of its input and the clock time', async () => {
      const clock = new ManualClock();
      const fake = new FakeProvider({ clock });
      const provisionInput = input('req-1', 1);
      await fake.provision(provisionInput);
      clock.advance(1000);
      const describeInput = { requestId: 'req-1', resourceIds: ['fleet-fake0001'], machineIds: ['i-fake0001'] };
      await fake.describe(describeInput);
      await fake.terminate({ requestId: 'ret-1', machineIds: ['i-fake0001'] });
      await fake.reclaimNotices();
      (provisionInput.tags as Record<string, string>).team = 'mutated';
      describeInput.machineIds.push('i-later');
      expect(fake.calls.map((c) => [c.method, c.at.toISOString()])).toEqual([
        ['provision', '2026-01-01T00:00:00.000Z'],
        ['describe', '2026-01-01T00:00:01.000Z'],
        ['terminate', '2026-01-01T00:00:01.000Z'],
        ['reclaimNotices', '2026-01-01T00:00:01.000Z'],
      ]);
      expect(fake.callsTo('provision')[0]?.input.tags).toEqual({ team: 'hpc' });
      expect(fake.callsTo('describe')[0]?.input.machineIds).toEqual(['i-fake0001']);
      expect(fake.callsTo('terminate')[0]?.input).toEqual({ requestId: 'ret-1', machineIds: ['i-fake0001'] });
    });

    it('hands out copies of the record, so a test cannot rewrite history', async () => {
      const fake = new FakeProvider();
      await fake.provision(input('req-1', 1));
      const [call] = fake.calls;
      if (call?.method === 'provision') (call.input as { requestId: string }).requestId = 'changed';
      expect(fake.callsTo('provision')[0]?.input.requestId).toBe('req-1');
    });

    it('machines() lists every machine or one request\'s, in creation order', async () => {
      const fake = new FakeProvider();
      await fake.provision(input('req-1', 2));
      await fake.provision(input('req-2', 1, OTHER));
      expect(fake.machines().map((m) => [m.machineId, m.requestId, m.templateId, m.index])).toEqual([
        ['i-fake0001', 'req-1', 'ondemand', 0],
        ['i-fake0002', 'req-1', 'ondemand', 1],
        ['i-fake0003', 'req-2', 'other', 0],
      ]);
      expect(fake.machines('req-2').map((m) => m.machineId)).toEqual(['i-fake0003']);
      expect(fake.machines('req-none')).toEqual([]);
    });
  });
});
