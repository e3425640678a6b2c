import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SymphonyDriver } from './driver';
import { buildProvider, expectConsistent, expectValid, sampleTemplates, scripts } from './test-support';

beforeAll(buildProvider, 120_000);

const PARALLEL = 14;

describe('the simulated cloud under parallel provider scripts', () => {
  let driver: SymphonyDriver;
  beforeAll(() => {
    driver = new SymphonyDriver(scripts, sampleTemplates);
    const large = {
      templates: [{ templateId: 'OnDemand-Large', maxNumber: 10_000, attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '4096'] }, vmType: 't3.medium', simBootSeconds: 0 }],
    };
    writeFileSync(join(driver.root, 'conf', 'simprov_templates.json'), JSON.stringify(large));
  });
  afterAll(() => driver.dispose());

  // Regression (issue 14, item 5): the provision transaction read before it wrote, so SQLite answered
  // SQLITE_BUSY_SNAPSHOT at once instead of waiting, and about half of these calls failed.
  it(`answers all ${PARALLEL} requestMachines started at the same moment on a large template`, async () => {
    await driver.run('getAvailableTemplates', {});
    const results = await Promise.all(
      Array.from({ length: PARALLEL }, () => driver.run('requestMachines', { template: { templateId: 'OnDemand-Large', machineCount: 3 } })),
    );
    const failures = results.filter((r) => r.exitCode !== 0).map((r) => String(r.document.message));
    expect(failures).toEqual([]);
    results.forEach((r) => expectValid('requestMachines', r));
    expect(new Set(results.map((r) => r.document.requestId)).size).toBe(PARALLEL);

    const statuses = await Promise.all(results.map((r) => driver.run('getRequestStatus', { requests: [{ requestId: r.document.requestId }] })));
    for (const status of statuses) {
      expect(status.exitCode, status.stdout).toBe(0);
      const [entry] = status.document.requests as { status: string; machines: unknown[] }[];
      expect(entry!.machines).toHaveLength(3);
    }
    await expectConsistent(driver.database);
  }, 120_000);
});
