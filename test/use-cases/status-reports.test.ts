import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import type { ProviderPort } from '../../src/application/provider/provider.port';
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
