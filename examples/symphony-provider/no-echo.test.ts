import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SymphonyDriver, type ScriptResult } from './driver';
import { buildProvider, sampleTemplates, scripts } from './test-support';

beforeAll(buildProvider, 120_000);

/*
 * Error answers and logs never echo a value from a templates file, an input document or the
 * environment (docs/hostfactory.md, "What an error shows"): each may hold a secret, and both stdout
 * and the log are read by others. Each case below plants a secret-looking value where it is wrong.
 */
const SECRET = 'sk-LIVE-9f8e7d6c5b4a3210';

/** Every log file the provider wrote, concatenated. */
function logs(driver: SymphonyDriver): string {
  return readdirSync(driver.logDir).map((file) => readFileSync(join(driver.logDir, file), 'utf8')).join('\n');
}

function expectNoEcho(driver: SymphonyDriver, result: ScriptResult, field: RegExp): void {
  expect(result.exitCode, result.stdout).not.toBe(0);
  expect(String(result.document.message)).toMatch(field);
  for (const [where, text] of [['stdout', result.stdout], ['stderr', result.stderr], ['the log', logs(driver)]] as const) {
    expect(text.includes(SECRET), `${where} echoes the secret: ${text.slice(0, 400)}`).toBe(false);
  }
}

describe('a secret in a bad value is never echoed', () => {
  const drivers: SymphonyDriver[] = [];
  const driver = () => {
    const d = new SymphonyDriver(scripts, sampleTemplates);
    drivers.push(d);
    return d;
  };
  afterAll(() => drivers.forEach((d) => d.dispose()));

  it('from a templates file: each wrong field is named with its kind, not its value', async () => {
    const template = (changes: Record<string, unknown>) => ({
      templateId: 'Leaky',
      maxNumber: 2,
      attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '4096'] },
      vmType: 't3.small',
      imageId: 'ami-1',
      ...changes,
    });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ priceType: SECRET }, /priceType: must be one of .*, got a string of 24 characters/],
      [{ maxNumber: SECRET }, /maxNumber: must be an integer from -1 \(unlimited\) to 10000, got a string of 24 characters/],
      [{ templateId: `${SECRET}!` }, /templateId: must be 1-64 characters of 0-9 A-Z a-z - _, got a string of 25 characters/],
      [{ attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', SECRET], nram: ['Numeric', '1'] } }, /attributes\.ncpus: a Numeric attribute needs a number as its value, got a string of 24 characters/],
      [{ attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '1'], gpu: ['Boolean', SECRET] } }, /attributes\.gpu: a Boolean attribute's value is "1" \(true\) or "0" \(false\), got a string/],
      [{ priority: SECRET }, /priority: must be a whole number >= 0 \(higher is tried first\), got a string of 24 characters/],
    ];
    for (const [changes, message] of cases) {
      const d = driver();
      writeFileSync(d.templatesPath, JSON.stringify({ templates: [template(changes)] }));
      expectNoEcho(d, await d.run('getAvailableTemplates', {}), message);
    }
  }, 120_000);

  it('from an -f input document', async () => {
    const d = driver();
    const cases: [string, unknown, RegExp][] = [
      ['requestMachines', { template: { templateId: `${SECRET}!`, machineCount: 1 } }, /template\.templateId: templateId must be 1-64 characters/],
      ['requestMachines', { template: { templateId: 'OnDemand-Small', machineCount: SECRET } }, /template\.machineCount must be a whole number from 1 to 10000, got a string of 24 characters/],
      ['requestMachines', { template: { templateId: 'OnDemand-Small', machineCount: 1 }, rc_account: `${SECRET} x` }, /rc_account: must be a string of 1 to 128 letters/],
      ['getRequestStatus', { requests: [{ requestId: `${SECRET}\u0000` }] }, /requests\[0\]\.requestId: must not contain NUL/],
      ['requestReturnMachines', { machines: [{ name: `${SECRET}\uD800` }] }, /machines\[0\]\.name: must be valid Unicode/],
      ['getReturnRequests', { machines: SECRET }, /machines must be an array of objects, got a string of 24 characters/],
    ];
    for (const [operation, input, message] of cases) expectNoEcho(d, await d.run(operation, input), message);
  }, 120_000);

  it('from the environment', async () => {
    const d = driver();
    const cases: [Record<string, string>, RegExp][] = [
      [{ HF_LOGLEVEL: SECRET }, /HF_LOGLEVEL/],
      [{ HF_PROVIDER_ACTION_TIMEOUT: SECRET }, /HF_PROVIDER_ACTION_TIMEOUT must be a whole number of seconds/],
      [{ HF_PROVIDER_NAME: `${SECRET}/x` }, /HF_PROVIDER_NAME must be 1 to 64 letters/],
      [{ HOSTFACTORY_PRODUCT: SECRET }, /HOSTFACTORY_PRODUCT/],
    ];
    for (const [env, message] of cases) expectNoEcho(d, await d.run('getAvailableTemplates', {}, { env }), message);
  }, 120_000);
});
