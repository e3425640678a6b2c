import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTemplate, createHostFactory, type MachineStatus as Status } from 'hostfactory-kernel';
import { FakeProvider } from 'hostfactory-kernel/testing';
import { templateInput } from '../../../test/support/templates';
import { buildScript } from '../../postgres-storage/test/support/build-script';
import { jsonResult, startNode } from '../../postgres-storage/test/support/child-process';
import { createSqliteStorage } from '../sqlite-storage';

const PROCESSES = 4;
const REQUESTS_PER_PROCESS = 2;
let worker: string;
let dir: string;

beforeAll(async () => {
  worker = await buildScript(join(__dirname, 'capacity-worker.ts'), 'capacity-worker');
  dir = mkdtempSync(join(tmpdir(), 'hf-capacity-'));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite storage: weighted capacity across processes', () => {
  it('admits 1-unit requests on {"c5.2xlarge": 2}, maxNumber 10, from 4 processes at once only up to 10 deliverable units', async () => {
    const filename = join(dir, 'capacity.sqlite');
    const storage = createSqliteStorage({ filename });
    const setup = createHostFactory({ storage, provider: new FakeProvider() });
    await setup.commands.execute(CreateTemplate.from({ template: templateInput({ templateId: 'spot2x', priceType: 'spot', vmType: undefined, vmTypes: { 'c5.2xlarge': 2 }, maxNumber: 10 }) }));

    const children = Array.from({ length: PROCESSES }, () => startNode(worker, { HF_SQLITE_FILE: filename, HF_REQUESTS: String(REQUESTS_PER_PROCESS) }));
    const results = await Promise.all(children.map((child) => jsonResult<{ accepted: number; rejected: number }>(child)));
    expect(results.reduce((sum, r) => sum + r.accepted, 0)).toBe(5);
    expect(results.reduce((sum, r) => sum + r.rejected, 0)).toBe(PROCESSES * REQUESTS_PER_PROCESS - 5);

    const live: Status[] = ['pending', 'running'];
    const machines = await storage.unitOfWork.transaction((tx) => tx.machines.findByTemplate('spot2x', live));
    expect(machines.length * 2).toBe(10);
    setup.dispose();
    storage.close();
  }, 120_000);
});
