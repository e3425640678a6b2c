import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SymphonyDriver, type ScriptResult } from './driver';
import { buildProvider, expectValid, pollUntilDone, sampleTemplates, scripts } from './test-support';

beforeAll(buildProvider, 120_000);

type Machine = { machineId: string; name: string; status: string };
const base = (JSON.parse(readFileSync(sampleTemplates, 'utf8')) as { templates: Record<string, unknown>[] }).templates[0]!;
const template = (templateId: string, providerName: unknown) => ({ ...base, templateId, providerName, simBootSeconds: 0, simTerminateSeconds: 0 });

describe('two simulated clouds in one installation (<name>prov_clouds.json)', () => {
  const drivers: SymphonyDriver[] = [];
  afterAll(() => drivers.forEach((d) => d.dispose()));

  function install(templates: unknown[]): SymphonyDriver {
    const d = new SymphonyDriver(scripts, sampleTemplates);
    drivers.push(d);
    writeFileSync(d.templatesPath, JSON.stringify({ templates }));
    writeFileSync(join(dirname(d.templatesPath), `${d.name}prov_clouds.json`), JSON.stringify({ clouds: [{ name: 'east' }, { name: 'west' }], breaker: { failureThreshold: 2, resetAfterSeconds: 60 } }));
    return d;
  }

  async function acquire(d: SymphonyDriver, templateId: string, env: Record<string, string>): Promise<Machine[]> {
    const requested = await d.run('requestMachines', { template: { templateId, machineCount: 2 } }, { env });
    expect(requested.exitCode, requested.stdout).toBe(0);
    const done = await pollUntilDone(d, requested.document.requestId as string, env);
    const entry = (done.document.requests as { status: string; machines: Machine[] }[])[0]!;
    expect(entry.status).toBe('complete');
    return entry.machines;
  }

  const cloudOf = (machines: Machine[]) => [...new Set(machines.map((m) => m.machineId.split(':')[0]))];
  const terminated = (d: SymphonyDriver, cloud: string): string[] => {
    const db = new Database(join(d.stateDir, `cloud-${cloud}.db`), { readonly: true });
    try {
      return db.prepare<[], { machine_id: string }>('SELECT machine_id FROM sim_machines WHERE terminate_at IS NOT NULL ORDER BY machine_id').all().map((r) => r.machine_id);
    } finally {
      db.close();
    }
  };

  it('fails over while east refuses, keeps east\'s breaker open across calls, closes it after the delay, and returns machines to their own cloud', async () => {
    const d = install([template('Any-Small', ['east', 'west']), template('East-Small', 'east')]);
    const offered = await d.run('getAvailableTemplates', {});
    expectValid('getAvailableTemplates', offered);
    const refusing = { SIM_REFUSE_CLOUDS: 'east' };
    expect(cloudOf(await acquire(d, 'Any-Small', refusing))).toEqual(['west']);
    const second = await acquire(d, 'Any-Small', refusing);
    expect(cloudOf(second)).toEqual(['west']);

    // East answers again, but its breaker (opened by two refusals in two earlier processes) is open.
    expect(cloudOf(await acquire(d, 'Any-Small', {}))).toEqual(['west']);
    const only: ScriptResult = await d.run('requestMachines', { template: { templateId: 'East-Small', machineCount: 1 } });
    expect(only.exitCode, only.stdout).toBe(1);
    expect(String(only.document.message)).toContain('east skipped: circuit open until');

    // Past the delay the breaker half-opens; east serves and closes it.
    const later = { SIM_CLOCK_OFFSET_SECONDS: '120' };
    const onEast = await acquire(d, 'East-Small', later);
    expect(cloudOf(onEast)).toEqual(['east']);
    expect(cloudOf(await acquire(d, 'Any-Small', later))).toEqual(['east']);

    const returned = await d.run('requestReturnMachines', { machines: [...second, ...onEast].map((m) => ({ name: m.name })) }, { env: later });
    expectValid('requestReturnMachines', returned);
    const released = await pollUntilDone(d, returned.document.requestId as string, later);
    expect((released.document.requests as { status: string }[])[0]!.status).toBe('complete');
    expect(terminated(d, 'west')).toEqual(second.map((m) => m.machineId.slice('west:'.length)).sort());
    expect(terminated(d, 'east')).toEqual(onEast.map((m) => m.machineId.slice('east:'.length)).sort());
  }, 120_000);

  it('refuses a templates file naming an unknown cloud, naming the template, the key and the cloud', async () => {
    const d = install([template('Any-Small', ['east', 'west']), template('North-Small', 'north')]);
    const refused = await d.run('getAvailableTemplates', {});
    expect(refused.exitCode, refused.stdout).toBe(1);
    expectValid('error', refused);
    expect(String(refused.document.message)).toMatch(/North-Small: UNKNOWN_PROVIDER Template "North-Small": providerName names "north", not a configured provider \(configured: east, west\)/);

    writeFileSync(join(dirname(d.templatesPath), `${d.name}prov_clouds.json`), JSON.stringify({ clouds: [{ name: '../east' }, { name: 'west', weight: 0 }] }));
    const invalid = await d.run('getAvailableTemplates', {});
    expect(invalid.exitCode).toBe(1);
    expect(String(invalid.document.message)).toContain('clouds[0].name must be 1-64 of A-Z a-z 0-9 _ . -');
    expect(String(invalid.document.message)).toContain('clouds[1].weight must be a whole number >= 1');
  }, 60_000);
});
