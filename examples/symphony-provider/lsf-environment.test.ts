import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SymphonyDriver } from './driver';
import { buildProvider, expectValid, filesUnder, pollUntilDone, sampleTemplates, scripts } from './test-support';

beforeAll(buildProvider, 120_000);

type Machine = { machineId: string; name: string; result: string; status: string };
const logName = (name: string) => `${name}-provider.log.${hostname().replace(/[^A-Za-z0-9_.-]/g, '').replace(/^\.+/, '') || 'localhost'}`;

describe('the provider under LSF\'s resource connector (ebrokerd\'s environment, no HF_* variable)', () => {
  const drivers: SymphonyDriver[] = [];
  afterAll(() => drivers.forEach((d) => d.dispose()));
  const lsf = (name: string, templates = sampleTemplates, root?: string) => {
    const d = new SymphonyDriver(scripts, templates, {}, { layout: 'lsf', name, ...(root === undefined ? {} : { root }) });
    drivers.push(d);
    return d;
  };

  it('runs a full cycle: templates from $PRO_CONF_DIR/conf, state in $PRO_DATA_DIR/<name>/, log $PRO_LSF_LOGDIR/<name>-provider.log.<host>, returns by name and machineId, getReturnRequests as { machine, machineId }', async () => {
    const d = lsf('simlsf');
    expect(Object.keys(d.env).filter((k) => k.startsWith('HF_'))).toEqual([]);
    const offered = await d.run('getAvailableTemplates', {});
    expectValid('getAvailableTemplates', offered, 'lsf');
    const requested = await d.run('requestMachines', { template: { templateId: 'OnDemand-Small', machineCount: 2 }, rc_account: 'proj-7', userData: { LSF_JOB_ID: '4711' } });
    expectValid('requestMachines', requested, 'lsf');
    const done = await pollUntilDone(d, requested.document.requestId as string, {}, 'lsf');
    const machines = (done.document.requests as { machines: (Machine & { rcAccount?: string })[] }[])[0]!.machines;
    expect(machines.map((m) => m.result)).toEqual(['succeed', 'succeed']);
    expect(machines.map((m) => m.rcAccount)).toEqual(['proj-7', 'proj-7']);
    const held = machines.map((m) => ({ name: m.name, machineId: m.machineId }));

    const none = await d.run('getReturnRequests', { machines: held });
    expectValid('getReturnRequests', none, 'lsf');
    expect(none.document).toEqual({ status: 'complete', message: expect.any(String), requests: [] });

    const returned = await d.run('requestReturnMachines', { machines: held });
    expectValid('requestReturnMachines', returned, 'lsf');
    const released = await pollUntilDone(d, returned.document.requestId as string, {}, 'lsf');
    expect((released.document.requests as { status: string }[])[0]!.status).toBe('complete');

    const gone = await d.run('getReturnRequests', { machines: held });
    expectValid('getReturnRequests', gone, 'lsf');
    expect((gone.document.requests as unknown[]).length).toBe(2);
    expect(gone.document.requests).toEqual(expect.arrayContaining(held.map((h) => ({ machine: h.name, machineId: h.machineId }))));

    const state = relative(d.root, d.stateDir);
    expect(state).toBe(join('lsf', 'work', 'cluster1', 'resource_connector', 'simlsf'));
    const log = join('lsf', 'log', logName('simlsf'));
    for (const file of filesUnder(d.root)) expect(file.startsWith(`${state}/`) || file === log || file === relative(d.root, d.templatesPath), file).toBe(true);
    expect(readFileSync(join(d.root, log), 'utf8')).toMatch(/getReturnRequests finished with exit status 0/);
  }, 90_000);

  it('keeps two provider instances sharing PRO_DATA_DIR apart: neither sees the other\'s templates or requests', async () => {
    const a = lsf('instA');
    const only = JSON.parse(readFileSync(sampleTemplates, 'utf8')) as { templates: { templateId: string }[] };
    const bTemplates = join(a.root, 'b-templates.json');
    writeFileSync(bTemplates, JSON.stringify({ templates: only.templates.filter((t) => t.templateId === 'OnDemand-Flaky').map((t) => ({ ...t, templateId: 'B-Only' })) }));
    const b = lsf('instB', bTemplates, a.root);
    expect(b.env.PRO_DATA_DIR).toBe(a.env.PRO_DATA_DIR);

    const ids = async (d: SymphonyDriver) => ((await d.run('getAvailableTemplates', {})).document.templates as { templateId: string }[]).map((t) => t.templateId);
    expect(await ids(a)).toEqual(['OnDemand-Flaky', 'OnDemand-Small', 'Spot-Mixed']);
    expect(await ids(b)).toEqual(['B-Only']);

    const requested = await a.run('requestMachines', { template: { templateId: 'OnDemand-Small', machineCount: 1 } });
    expect(requested.exitCode, requested.stdout).toBe(0);
    const requestId = requested.document.requestId as string;
    const inB = await b.run('getRequestStatus', { requests: [{ requestId }] });
    expect((inB.document.requests as { status: string; message: string }[])[0]).toMatchObject({ status: 'complete_with_error', message: expect.stringMatching(/not found/) });
    const refused = await b.run('requestMachines', { template: { templateId: 'OnDemand-Small', machineCount: 1 } });
    expect(refused.exitCode).toBe(1);
    expect(filesUnder(a.stateDir).length).toBeGreaterThan(0);
    expect(filesUnder(b.stateDir).length).toBeGreaterThan(0);
  }, 90_000);

  it('names a missing ebrokerd variable and writes nothing', async () => {
    const d = lsf('simlsf');
    const before = filesUnder(d.root);
    for (const variable of ['PROVIDER_NAME', 'PRO_CONF_DIR', 'PRO_DATA_DIR', 'PRO_LSF_LOGDIR']) {
      const result = await d.run('getAvailableTemplates', {}, { env: { [variable]: '' } });
      expect(result.exitCode, result.stdout).toBe(1);
      expectValid('error', result);
      expect(String(result.document.message)).toMatch(new RegExp(`^${variable} is not set: `));
      expect(result.stdout).not.toContain(d.root);
      expect(filesUnder(d.root)).toEqual(before);
    }
  }, 60_000);
});
