import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { runProviderContract } from 'hostfactory-kernel/testing/vitest';
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
