import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SymphonyDriver, type ScriptResult } from './driver';
import { buildProvider, expectValid, pollUntilDone, sampleTemplates, scripts } from './test-support';

beforeAll(buildProvider, 120_000);

/** What an error answer must never show: the directories (they come from the environment) or the file's text. */
function expectSafeError(driver: SymphonyDriver, result: ScriptResult, pattern: RegExp): void {
  expect(result.exitCode, result.stdout).toBe(1);
  expectValid('error', result);
  expect(String(result.document.message)).toMatch(pattern);
  expect(result.stdout).not.toContain(driver.root);
  expect(result.stdout).not.toMatch(/unexpected|nothing more is shown/i);
}

describe('configuration and storage failures of the example provider (issue 14, items 6 and 8)', () => {
  const drivers: SymphonyDriver[] = [];
  afterAll(() => drivers.forEach((d) => d.dispose()));

  /** A site with one completed request of two running machines. */
  async function siteWithRunningMachines(): Promise<{ driver: SymphonyDriver; requestId: string; names: string[] }> {
    const driver = new SymphonyDriver(scripts, sampleTemplates);
    drivers.push(driver);
    const requested = await driver.run('requestMachines', { template: { templateId: 'OnDemand-Small', machineCount: 2 } });
    expect(requested.exitCode, requested.stdout).toBe(0);
    const requestId = requested.document.requestId as string;
    const done = await pollUntilDone(driver, requestId);
    const names = (done.document.requests as { machines: { name: string }[] }[])[0]!.machines.map((m) => m.name);
    return { driver, requestId, names };
  }

  const templatesFile = (driver: SymphonyDriver) => driver.templatesPath;

  it('keeps getRequestStatus, requestReturnMachines and getReturnRequests working with a half-written templates file', async () => {
    const { driver, requestId, names } = await siteWithRunningMachines();
    const text = readFileSync(templatesFile(driver), 'utf8');
    writeFileSync(templatesFile(driver), text.slice(0, Math.floor(text.length / 2)));

    expectSafeError(driver, await driver.run('getAvailableTemplates', {}), /templates file \(\$HF_PROVIDER_CONFDIR\/\$\{HF_PROVIDER_NAME\}prov_templates\.json\) is not valid JSON \(syntax error at the end of the text/);
    expectSafeError(driver, await driver.run('requestMachines', { template: { templateId: 'OnDemand-Small', machineCount: 1 } }), /not valid JSON/);

    const status = await driver.run('getRequestStatus', { requests: [{ requestId }] });
    expect(status.exitCode, status.stdout).toBe(0);
    expect((status.document.requests as { status: string }[])[0]!.status).toBe('complete');
    const wanted = await driver.run('getReturnRequests', { machines: names.map((name) => ({ name })) });
    expect(wanted.exitCode, wanted.stdout).toBe(0);
    const returned = await driver.run('requestReturnMachines', { machines: names.map((name) => ({ name })) });
    expect(returned.exitCode, returned.stdout).toBe(0);
    expectValid('requestReturnMachines', returned);
  }, 60_000);

  it('names the line and column of a syntax error inside the templates file, without its text', async () => {
    const { driver, requestId } = await siteWithRunningMachines();
    writeFileSync(templatesFile(driver), '{\n  "templates": [\n    { "templateId": "X", "secret": hunter2 }\n  ]\n}\n');
    const result = await driver.run('getAvailableTemplates', {});
    expectSafeError(driver, result, /syntax error at line 3, column 36\)/);
    expect(result.stdout).not.toContain('hunter2');
    expect((await driver.run('getRequestStatus', { requests: [{ requestId }] })).exitCode).toBe(0);
  }, 60_000);

  it('names a missing templates file and still answers getRequestStatus', async () => {
    const { driver, requestId } = await siteWithRunningMachines();
    rmSync(templatesFile(driver));
    expectSafeError(driver, await driver.run('getAvailableTemplates', {}), /No templates file in the provider.s configuration directory \(\$HF_PROVIDER_CONFDIR\): looked for \$\{HF_PROVIDER_NAME\}prov_templates.json, then templates.json/);
    expect((await driver.run('getRequestStatus', { requests: [{ requestId }] })).exitCode).toBe(0);
  }, 60_000);

  it('names the offending key of an invalid template', async () => {
    const { driver } = await siteWithRunningMachines();
    const document = JSON.parse(readFileSync(templatesFile(driver), 'utf8')) as { templates: Record<string, unknown>[] };
    document.templates[1]!.maxNumber = 'many';
    writeFileSync(templatesFile(driver), JSON.stringify(document));
    expectSafeError(driver, await driver.run('getAvailableTemplates', {}), /templates\[1\]\.maxNumber/);
  }, 60_000);

  it('names an unset HF_PROVIDER_WORKDIR or HF_PROVIDER_CONFDIR without its HF_* root, and an unusable work directory', async () => {
    const driver = new SymphonyDriver(scripts, sampleTemplates);
    drivers.push(driver);
    expectSafeError(driver, await driver.run('getAvailableTemplates', {}, { env: { HF_PROVIDER_WORKDIR: '' } }), /^Neither HF_PROVIDER_WORKDIR nor HF_WORKDIR is set: /);
    expectSafeError(driver, await driver.run('getAvailableTemplates', {}, { env: { HF_PROVIDER_CONFDIR: '' } }), /^Neither HF_PROVIDER_CONFDIR nor HF_CONFDIR is set: /);
    const blocker = join(driver.root, 'a-file');
    writeFileSync(blocker, '');
    expectSafeError(driver, await driver.run('getAvailableTemplates', {}, { env: { HF_PROVIDER_WORKDIR: join(blocker, 'work') } }), /^The provider's state directory \(\$HF_PROVIDER_WORKDIR\) cannot be created \(ENOTDIR\)/);
  }, 60_000);

  it('names a corrupt database by its file name only', async () => {
    const driver = new SymphonyDriver(scripts, sampleTemplates);
    drivers.push(driver);
    writeFileSync(driver.database, 'PW=hunter2 '.repeat(1000));
    for (const operation of ['getAvailableTemplates', 'getReturnRequests'] as const) {
      const result = await driver.run(operation, {});
      expectSafeError(driver, result, /^The SQLite database hostfactory\.db is damaged or is not a SQLite database \(SQLITE_NOTADB\)/);
      expect(result.stdout).not.toContain('hunter2');
    }
  }, 60_000);

  it('names a better-sqlite3 in node_modules that is not the release the provider was bundled with, or has no built addon', async () => {
    // The provider (its scripts and bundle) installed next to a node_modules of its own.
    const site = mkdtempSync(join(tmpdir(), 'hf-addon-'));
    try {
      cpSync(scripts, join(site, 'scripts'), { recursive: true });
      cpSync(join(dirname(scripts), '.build'), join(site, '.build'), { recursive: true });
      const sqlite = join(site, 'node_modules', 'better-sqlite3');
      mkdirSync(sqlite, { recursive: true });
      const bundled = (JSON.parse(readFileSync(join('node_modules', 'better-sqlite3', 'package.json'), 'utf8')) as { version: string }).version;
      const driver = new SymphonyDriver(join(site, 'scripts'), sampleTemplates);
      drivers.push(driver);

      writeFileSync(join(sqlite, 'package.json'), JSON.stringify({ name: 'better-sqlite3', version: '0.0.1' }));
      const mismatch = await driver.run('getRequestStatus', { requests: [{ requestId: 'req-unknown' }] });
      expectSafeError(driver, mismatch, new RegExp(`^node_modules holds better-sqlite3 0\\.0\\.1 but the provider was bundled with ${bundled.replaceAll('.', '\\.')}: rebuild it`));
      expect(mismatch.stdout).not.toContain(site);

      writeFileSync(join(sqlite, 'package.json'), JSON.stringify({ name: 'better-sqlite3', version: bundled }));
      expectSafeError(driver, await driver.run('getRequestStatus', { requests: [{ requestId: 'req-unknown' }] }), /^better-sqlite3 and its built addon \(build\/Release\/better_sqlite3\.node\) must be installed/);
    } finally {
      rmSync(site, { recursive: true, force: true });
    }
  }, 60_000);
});
