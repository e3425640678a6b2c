import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SymphonyDriver } from './driver';
import { buildProvider, expectValid, sampleTemplates, scripts } from './test-support';

beforeAll(buildProvider, 120_000);

/*
 * Symphony kills a script that outlives HF_PROVIDER_ACTION_TIMEOUT (seconds). With a cloud whose
 * answer never comes, the script must still answer, inside that time: the provider call timeout is
 * fitted inside it (docs/installing.md, "The time budget"). The default call timeout (30 s) would
 * outlive both limits used here.
 */
const ACTION_TIMEOUT_S = 8;

describe('HF_PROVIDER_ACTION_TIMEOUT, through the scripts', () => {
  const drivers: SymphonyDriver[] = [];
  afterAll(() => drivers.forEach((d) => d.dispose()));

  async function answersInTime(d: SymphonyDriver, env: Record<string, string>): Promise<void> {
    const started = performance.now();
    const result = await d.run('requestMachines', { template: { templateId: 'OnDemand-Small', machineCount: 1 } }, { env: { SIM_HANG_ON_TEMPLATE: 'OnDemand-Small', ...env } });
    const elapsed = performance.now() - started;
    expect(elapsed, `answered after ${Math.round(elapsed)} ms`).toBeLessThan(ACTION_TIMEOUT_S * 1000);
    expectValid(result.exitCode === 0 ? 'requestMachines' : 'error', result);
    expect(result.stdout).not.toBe('');
  }

  it('read from the environment: a call to a cloud that never answers ends inside it', async () => {
    const d = new SymphonyDriver(scripts, sampleTemplates, {}, { layout: 'symphony' });
    drivers.push(d);
    await answersInTime(d, { HF_PROVIDER_ACTION_TIMEOUT: String(ACTION_TIMEOUT_S) });
  }, 60_000);

  it('read from $HF_CONFDIR/hostfactoryconf.json when the environment does not carry it', async () => {
    const d = new SymphonyDriver(scripts, sampleTemplates, {}, { layout: 'symphony' });
    drivers.push(d);
    mkdirSync(d.env.HF_CONFDIR!, { recursive: true });
    writeFileSync(join(d.env.HF_CONFDIR!, 'hostfactoryconf.json'), JSON.stringify({ HF_LOGLEVEL: 'LOG_INFO', HF_PROVIDER_ACTION_TIMEOUT: ACTION_TIMEOUT_S }));
    await answersInTime(d, {});
  }, 60_000);
});
