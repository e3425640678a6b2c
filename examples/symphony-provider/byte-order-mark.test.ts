import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SymphonyDriver } from './driver';
import { buildProvider, expectValid, sampleTemplates, scripts } from './test-support';

beforeAll(buildProvider, 120_000);

const BOM = '\uFEFF';

/*
 * Files saved by a Windows editor start with a UTF-8 byte-order mark, which JSON.parse refuses at 1:1.
 * The provider strips one from the templates file and from the `-f` input document (issue 32, item 4).
 */
describe('the example provider reads files that start with a byte-order mark', () => {
  const drivers: SymphonyDriver[] = [];
  afterAll(() => drivers.forEach((d) => d.dispose()));
  const site = () => {
    const driver = new SymphonyDriver(scripts, sampleTemplates);
    drivers.push(driver);
    return driver;
  };

  it('offers the templates of a templates file saved with a BOM', async () => {
    const driver = site();
    const file = join(driver.root, 'conf', 'simprov_templates.json');
    writeFileSync(file, BOM + readFileSync(file, 'utf8'));
    const result = await driver.run('getAvailableTemplates', {});
    expect(result.exitCode, result.stdout).toBe(0);
    expectValid('getAvailableTemplates', result);
    const offered = (result.document.templates as { templateId: string }[]).map((t) => t.templateId);
    expect(offered).toContain('OnDemand-Small');
  });

  it('takes an input document saved with a BOM', async () => {
    const driver = site();
    const requested = await driver.run('requestMachines', `${BOM}${JSON.stringify({ template: { templateId: 'OnDemand-Small', machineCount: 1 } })}`, { raw: true });
    expect(requested.exitCode, requested.stdout).toBe(0);
    expectValid('requestMachines', requested);
    const status = await driver.run('getRequestStatus', `${BOM}${JSON.stringify({ requests: [{ requestId: requested.document.requestId }] })}`, { raw: true });
    expect(status.exitCode, status.stdout).toBe(0);
    expect((status.document.requests as { requestId: string }[])[0]!.requestId).toBe(requested.document.requestId);
  });

  it('still refuses a BOM in the middle of a document, naming where', async () => {
    const driver = site();
    const result = await driver.run('requestMachines', `{ ${BOM}"template": { "templateId": "OnDemand-Small", "machineCount": 1 } }`, { raw: true });
    expect(result.exitCode, result.stdout).toBe(1);
    expectValid('error', result);
    expect(String(result.document.message)).toMatch(/not valid JSON \(syntax error at line 1, column \d+\)/);
  });
});
