import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SymphonyDriver, type DriverOptions, type ScriptResult } from './driver';
import { buildProvider, expectValid, filesUnder, pollUntilDone, sampleTemplates, scripts } from './test-support';

beforeAll(buildProvider, 120_000);

/** A failed call that says `pattern`, exit 1, shows no directory, and wrote nothing. */
function expectRefused(driver: SymphonyDriver, result: ScriptResult, pattern: RegExp, before: string[]): void {
  expect(result.exitCode, result.stdout).toBe(1);
  expectValid('error', result);
  expect(String(result.document.message)).toMatch(pattern);
  expect(result.stdout).not.toContain(driver.root);
  expect(filesUnder(driver.root)).toEqual(before);
}

describe('the provider environment as IBM Symphony sets it', () => {
  const drivers: SymphonyDriver[] = [];
  const driver = (env: Record<string, string> = {}, options: DriverOptions = {}) => {
    const d = new SymphonyDriver(scripts, sampleTemplates, env, options);
    drivers.push(d);
    return d;
  };
  afterAll(() => drivers.forEach((d) => d.dispose()));

  async function cycle(d: SymphonyDriver): Promise<void> {
    const offered = await d.run('getAvailableTemplates', {});
    expect(offered.exitCode, offered.stdout).toBe(0);
    const requested = await d.run('requestMachines', { template: { templateId: 'OnDemand-Small', machineCount: 1 } });
    expect(requested.exitCode, requested.stdout).toBe(0);
    const done = await pollUntilDone(d, requested.document.requestId as string);
    expect((done.document.requests as { status: string }[])[0]!.status).toBe('complete');
  }

  it('works with only HF_PROVIDER_NAME and the HF_* roots: state in $HF_WORKDIR/providers/<name>/, log $HF_LOGDIR/<name>-provider.log, nothing else written', async () => {
    const d = driver({}, { layout: 'symphony', name: 'simgrid' });
    expect(Object.keys(d.env).filter((k) => k.startsWith('HF_PROVIDER_'))).toEqual(['HF_PROVIDER_NAME']);
    await cycle(d);
    const written = filesUnder(d.root);
    const state = relative(d.root, d.stateDir);
    expect(state).toBe(join('hf', 'work', 'providers', 'simgrid'));
    for (const file of written) {
      expect(file.startsWith(`${state}/`) || file === join('hf', 'log', 'simgrid-provider.log') || file === relative(d.root, d.templatesPath), file).toBe(true);
    }
    expect(written).toContain(join(state, 'hostfactory.db'));
    expect(written).toContain(join('hf', 'log', 'simgrid-provider.log'));
    expect(readFileSync(join(d.logDir, 'simgrid-provider.log'), 'utf8')).toMatch(/"message":"requestMachines finished with exit status 0"/);
  }, 60_000);

  it('lets explicit HF_PROVIDER_CONFDIR, HF_PROVIDER_WORKDIR and HF_PROVIDER_LOGDIR win over the roots', async () => {
    const roots = { HF_CONFDIR: '/nonexistent/conf', HF_WORKDIR: '/nonexistent/work', HF_LOGDIR: '/nonexistent/log' };
    const d = driver(roots);
    await cycle(d);
    const written = filesUnder(d.root);
    expect(written.filter((f) => !f.startsWith('work/') && !f.startsWith('logs/') && !f.startsWith('conf/'))).toEqual([]);
    expect(written).toContain('work/hostfactory.db');
    expect(written).toContain('logs/sim-provider.log');
  }, 60_000);

  it('names a missing HF_PROVIDER_NAME, a missing root, a relative directory and a bad name, writing nothing', async () => {
    const d = driver({}, { layout: 'symphony' });
    const before = filesUnder(d.root);
    const call = (env: Record<string, string>) => d.run('getAvailableTemplates', {}, { env });
    expectRefused(d, await call({ HF_PROVIDER_NAME: '' }), /^HF_PROVIDER_NAME is not set: Symphony sets it/, before);
    expectRefused(d, await call({ HF_WORKDIR: ' ' }), /^Neither HF_PROVIDER_WORKDIR nor HF_WORKDIR is set: /, before);
    expectRefused(d, await call({ HF_LOGDIR: '' }), /^Neither HF_PROVIDER_LOGDIR nor HF_LOGDIR is set: /, before);
    expectRefused(d, await call({ HF_CONFDIR: 'relative/conf' }), /^HF_CONFDIR must be an absolute directory/, before);
    const named = await call({ HF_PROVIDER_NAME: '../secret-name' });
    expectRefused(d, named, /^HF_PROVIDER_NAME must be 1 to 64 letters/, before);
    expect(named.stdout).not.toContain('secret-name');
    expectRefused(d, await call({ HF_LOGLEVEL: 'LOUD-secret' }), /^HF_LOGLEVEL must be one of LOG_DEBUG/, before);
    expectRefused(d, await call({ HF_PROVIDER_ACTION_TIMEOUT: '5 minutes' }), /^HF_PROVIDER_ACTION_TIMEOUT must be a whole number of seconds/, before);
    expectRefused(d, await call({ HOSTFACTORY_PRODUCT: 'conductor' }), /^HOSTFACTORY_PRODUCT must be "symphony" or "lsf"/, before);
  }, 60_000);

  it('honours HF_LOGLEVEL: at LOG_WARNING a failed call logs its warning and no info line', async () => {
    const d = driver({ HF_LOGLEVEL: 'LOG_WARNING' }, { layout: 'symphony' });
    const refused = await d.run('requestMachines', { template: { templateId: 'No-Such', machineCount: 1 } });
    expect(refused.exitCode).toBe(1);
    const levels = readFileSync(join(d.logDir, 'sim-provider.log'), 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { level: string }).level);
    expect(levels).toEqual(['warn']);
  }, 60_000);
});
