import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SymphonyDriver } from './driver';
import { buildProvider, scripts } from './test-support';

beforeAll(buildProvider, 120_000);

const register = join(dirname(fileURLToPath(import.meta.url)), 'register.mjs');

/** Runs register.mjs; its JSON report and exit status. */
function run(args: string[]): { report: Record<string, unknown>; exitCode: number } {
  try {
    return { report: JSON.parse(execFileSync('node', [register, ...args], { encoding: 'utf8' })) as Record<string, unknown>, exitCode: 0 };
  } catch (error) {
    const failed = error as { stdout: string; status: number };
    return { report: JSON.parse(failed.stdout) as Record<string, unknown>, exitCode: failed.status };
  }
}
const json = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('register.mjs: registering the example provider with Symphony or LSF (docs/installing.md)', () => {
  const roots: string[] = [];
  const root = () => {
    const dir = mkdtempSync(join(tmpdir(), 'hf-register-'));
    roots.push(dir);
    return dir;
  };
  afterAll(() => roots.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('writes Symphony\'s three files, keeping other providers, and the provider then works with only the HF_* roots', async () => {
    const top = root();
    const conf = join(top, 'conf');
    mkdirSync(join(conf, 'providers'), { recursive: true });
    writeFileSync(join(conf, 'providers', 'hostProviders.json'), JSON.stringify({ version: 2, providers: [{ name: 'awsinst', enabled: 1, plugin: 'aws' }] }));
    expect(run(['symphony', '--conf', conf, '--check']).exitCode).toBe(1);
    const { report, exitCode } = run(['symphony', '--conf', conf, '--name', 'simgrid']);
    expect(exitCode, JSON.stringify(report)).toBe(0);
    expect(json(join(conf, 'providerplugins', 'hostProviderPlugins.json'))).toEqual({ version: 2, providerplugins: [{ name: 'simgrid', enabled: 1, scriptPath: `${scripts}/` }] });
    expect(json(join(conf, 'providers', 'hostProviders.json')).providers).toEqual([
      { name: 'awsinst', enabled: 1, plugin: 'aws' },
      { name: 'simgrid', enabled: 1, plugin: 'simgrid', confPath: '${HF_CONFDIR}/providers/simgrid/', workPath: '${HF_WORKDIR}/providers/simgrid/', logPath: '${HF_LOGDIR}/' },
    ]);
    expect(json(join(conf, 'requestors', 'hostRequestors.json')).requestors[0]).toMatchObject({ name: 'symAinst', providers: ['simgrid'], requestMode: 'POLL' });
    expect(run(['symphony', '--conf', conf, '--name', 'simgrid', '--check'])).toMatchObject({ exitCode: 0, report: { written: [] } });
    // The provider is built: its validateTemplates checked the installed sample.
    expect(report.templates).toEqual({ file: '$HF_CONFDIR/providers/${HF_PROVIDER_NAME}/${HF_PROVIDER_NAME}prov_templates.json', templates: 3, warnings: 0 });

    // What Symphony then runs: the scripts with HF_PROVIDER_NAME and the roots.
    const driver = new SymphonyDriver(scripts, join(conf, 'providers', 'simgrid', 'simgridprov_templates.json'), { HF_CONFDIR: conf }, { layout: 'symphony', name: 'simgrid', root: top });
    const offered = await driver.run('getAvailableTemplates', {});
    expect(offered.exitCode, offered.stdout).toBe(0);
  }, 60_000);

  it('writes LSF\'s resource_connector/hostProviders.json and the templates under <name>/conf, and the provider then works with ebrokerd\'s variables', async () => {
    const top = root();
    const conf = join(top, 'lsf', 'conf');
    const { report, exitCode } = run(['lsf', '--conf', conf, '--name', 'simlsf']);
    expect(exitCode, JSON.stringify(report)).toBe(0);
    expect(json(join(conf, 'resource_connector', 'hostProviders.json'))).toEqual({ providers: [{ name: 'simlsf', type: 'simlsfProv', confPath: 'resource_connector/simlsf', scriptPath: scripts }] });
    const templates = join(conf, 'resource_connector', 'simlsf', 'conf', 'simlsfprov_templates.json');
    expect(existsSync(templates)).toBe(true);
    const driver = new SymphonyDriver(scripts, templates, {}, { layout: 'lsf', name: 'simlsf', root: top });
    const offered = await driver.run('getAvailableTemplates', {});
    expect(offered.exitCode, offered.stdout).toBe(0);
    expect((offered.document.templates as { templateId: string }[]).map((t) => t.templateId)).toContain('Template-VM-1');
  }, 60_000);

  it('--check refuses a templates file whose defaults cannot be applied, naming the key and the template', () => {
    const conf = join(root(), 'conf');
    expect(run(['lsf', '--conf', conf, '--name', 'simlsf']).exitCode).toBe(0);
    const templates = join(conf, 'resource_connector', 'simlsf', 'conf', 'simlsfprov_templates.json');
    const document = json(templates);
    writeFileSync(templates, JSON.stringify({ ...document, defaults: { providers: { simlsf: { providerType: 'azure' } } } }));
    const { report, exitCode } = run(['lsf', '--conf', conf, '--name', 'simlsf', '--check']);
    expect(exitCode).toBe(1);
    expect(report.message).toMatch(/^The templates file is not valid: defaults\.providers\.simlsf\.providerType: template "Template-VM-1": defaults\.providers\.simlsf names a provider type that defaults\.providerTypes does not declare/);
  }, 60_000);

  it('refuses a broken registration file by name, without quoting it, writing nothing', () => {
    const conf = join(root(), 'conf');
    mkdirSync(join(conf, 'providers'), { recursive: true });
    writeFileSync(join(conf, 'providers', 'hostProviders.json'), '{ "providers": [ secret-token');
    const { report, exitCode } = run(['symphony', '--conf', conf]);
    expect(exitCode).toBe(1);
    expect(report.message).toBe('hostProviders.json is not valid JSON: correct it (or move it away) and run again; nothing was written.');
    expect(existsSync(join(conf, 'providerplugins'))).toBe(false);
    expect(run(['symphony', '--conf', 'relative/conf']).exitCode).toBe(2);
    expect(run(['conductor', '--conf', conf]).exitCode).toBe(2);
  });
});
