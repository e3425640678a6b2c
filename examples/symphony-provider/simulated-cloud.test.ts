import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleTemplateSnapshot } from 'hostfactory-kernel/testing';
import { runProviderContract } from 'hostfactory-kernel/testing/vitest';
import { REQUEST_TAG } from '../aws-provider/tags';
import { createSimulatedCloud, type SimulatedCloud } from './simulated-cloud';

// The example's pretend cloud passes the same port contract as a real adapter, cancelProvision included.
const dir = mkdtempSync(join(tmpdir(), 'hf-sim-cloud-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

runProviderContract({
  name: 'the simulated cloud of the Symphony provider example',
  create: () => createSimulatedCloud({ filename: join(dir, `cloud-${++files}.db`) }),
  destroy: (provider) => (provider as SimulatedCloud).close(),
  faults: false, // it cannot be made to refuse a provision
});

// One tag names a machine's request in both example clouds: the simulated one and EC2 (aws-provider/tags.ts).
describe('the simulated cloud’s machine tags', () => {
  it('name the request with the AWS adapter’s tag, hostfactory:request-id', async () => {
    const cloud = createSimulatedCloud({ filename: join(dir, 'tags.db') });
    try {
      const requestId = 'req-00000000-0000-4000-8000-000000000001';
      const started = await cloud.provision({ requestId, template: sampleTemplateSnapshot(), count: 1, tags: { team: 'a' } });
      const machines = await cloud.describe({ requestId, resourceIds: started.resourceIds, machineIds: [] });
      expect(REQUEST_TAG).toBe('hostfactory:request-id');
      expect(machines.map((m) => m.instanceTags)).toEqual([{ team: 'a', [REQUEST_TAG]: requestId }]);
    } finally {
      cloud.close();
    }
  });
});
