import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SymphonyDriver, type ScriptResult } from './driver';
import { buildProvider, expectConsistent, expectValid, pollUntilDone, sampleTemplates as templates, scripts } from './test-support';

beforeAll(buildProvider, 120_000);

describe('the example Symphony provider, driven as Symphony drives it', () => {
  const drivers: SymphonyDriver[] = [];
  const driver = (env: Record<string, string> = {}) => {
    const d = new SymphonyDriver(scripts, templates, env);
    drivers.push(d);
    return d;
  };
  afterAll(() => drivers.forEach((d) => d.dispose()));

  it('runs the whole lifecycle through the five scripts, every document valid', async () => {
    const d = driver();
    const offered = await d.run('getAvailableTemplates', {});
    expectValid('getAvailableTemplates', offered);
    expect((offered.document.templates as { templateId: string }[]).map((t) => t.templateId)).toEqual(['OnDemand-Flaky', 'OnDemand-Small', 'Spot-Mixed']);

    const requested = await d.run('requestMachines', { template: { templateId: 'OnDemand-Small', machineCount: 3 } });
    expectValid('requestMachines', requested);
    const requestId = requested.document.requestId as string;
    expect(requestId).toMatch(/^req-/);

    const acquired = await pollUntilDone(d, requestId);
    const machines = (acquired.document.requests as { status: string; machines: { name: string; result: string; launchtime: number }[] }[])[0]!;
    expect(machines.status).toBe('complete');
    expect(machines.machines.map((m) => m.result)).toEqual(['succeed', 'succeed', 'succeed']);
    expect(Number.isInteger(machines.machines[0]!.launchtime)).toBe(true);

    const returned = await d.run('requestReturnMachines', { machines: machines.machines.map((m) => ({ name: m.name })) });
    expectValid('requestReturnMachines', returned);
    const released = await pollUntilDone(d, returned.document.requestId as string);
    const ret = (released.document.requests as { status: string; machines: { status: string; result: string }[] }[])[0]!;
    expect(ret.status).toBe('complete');
    expect(ret.machines.every((m) => m.status === 'terminated' && m.result === 'succeed')).toBe(true);

    const wanted = await d.run('getReturnRequests', {});
    expectValid('getReturnRequests', wanted);
    await expectConsistent(d.database);
  }, 60_000);

  it('reports partial failures and spot reclaim notices', async () => {
    const d = driver();
    const flaky = await d.run('requestMachines', { template: { templateId: 'OnDemand-Flaky', machineCount: 3 } });
    const flakyDone = await pollUntilDone(d, flaky.document.requestId as string);
    const entry = (flakyDone.document.requests as { status: string; message: string; machines: { result: string; message: string }[] }[])[0]!;
    expect(entry.status).toBe('complete_with_error');
    expect(entry.machines.filter((m) => m.result === 'fail').every((m) => m.message.includes('InsufficientInstanceCapacity'))).toBe(true);

    const spot = await d.run('requestMachines', { template: { templateId: 'Spot-Mixed', machineCount: 4 } });
    const spotDone = await pollUntilDone(d, spot.document.requestId as string);
    const hosts = (spotDone.document.requests as { machines: { name: string }[] }[])[0]!.machines.map((m) => ({ name: m.name }));
    await new Promise((r) => setTimeout(r, 2500));
    const wanted = await d.run('getReturnRequests', { machines: hosts });
    expectValid('getReturnRequests', wanted);
    const requests = wanted.document.requests as { machine: string; gracePeriod: number }[];
    expect(requests.length).toBeGreaterThan(0);
    expect(requests[0]!.gracePeriod).toBeGreaterThan(0);
  }, 60_000);

  it('never exceeds maxNumber when two requestMachines processes start at the same moment', async () => {
    const d = driver();
    await d.run('getAvailableTemplates', {});
    const [a, b] = await Promise.all([
      d.run('requestMachines', { template: { templateId: 'OnDemand-Small', machineCount: 6 } }),
      d.run('requestMachines', { template: { templateId: 'OnDemand-Small', machineCount: 6 } }),
    ]);
    const codes = [a.exitCode, b.exitCode].sort();
    expect(codes).toEqual([0, 1]);
    const refused = a.exitCode === 0 ? b : a;
    expectValid('requestMachines', refused);
    expect(String(refused.document.message)).toMatch(/capacity/i);
    const offered = await d.run('getAvailableTemplates', {});
    const small = (offered.document.templates as { templateId: string; availableNumber: number }[]).find((t) => t.templateId === 'OnDemand-Small');
    expect(small?.availableNumber).toBe(4);
    await expectConsistent(d.database);
  }, 60_000);

  it('survives SIGKILL in the middle of a command: the database stays consistent and the next call works', async () => {
    const d = driver({ SIM_PROVIDER_TIMEOUT_MS: '200' });
    await d.run('getAvailableTemplates', {});
    // A provision that never answers: the request was admitted and committed, then the process dies.
    const input = join(d.root, 'inputs', 'hang.json');
    (await import('node:fs')).writeFileSync(input, JSON.stringify({ template: { templateId: 'OnDemand-Small', machineCount: 2 } }));
    const child = spawn(join(scripts, 'requestMachines.sh'), ['-f', input], { env: { ...d.env, SIM_HANG_ON_TEMPLATE: 'OnDemand-Small' } });
    // Listen for the exit at once: a process that ends before we look must not be waited for forever.
    const childExited = new Promise((r) => child.once('exit', r));
    let admitted: string | undefined;
    for (let i = 0; i < 100 && admitted === undefined; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const events = await expectConsistent(d.database).catch(() => []);
      admitted = events.find((e) => e.event.type === 'RequestCreated')?.event.aggregateId;
    }
    child.kill('SIGKILL');
    await childExited;
    expect(admitted).toMatch(/^req-/);
    await expectConsistent(d.database);
    // The next call (a new process) asks the cloud again for the orphaned request and finishes it.
    const done = await pollUntilDone(d, admitted!);
    expect((done.document.requests as { status: string }[])[0]!.status).toBe('complete');

    // Kills at random moments of other commands never leave half-applied state.
    for (let i = 0; i < 6; i++) {
      const file = join(d.root, 'inputs', `kill-${i}.json`);
      (await import('node:fs')).writeFileSync(file, JSON.stringify({ template: { templateId: 'OnDemand-Flaky', machineCount: 1 } }));
      const victim = spawn(join(scripts, 'requestMachines.sh'), ['-f', file], { env: d.env });
      const victimExited = new Promise((r) => victim.once('exit', r));
      await new Promise((r) => setTimeout(r, 40 + i * 45));
      victim.kill('SIGKILL');
      await victimExited;
      await expectConsistent(d.database);
    }
    const after = await d.run('requestMachines', { template: { templateId: 'OnDemand-Flaky', machineCount: 1 } });
    expect(after.exitCode).toBe(0);
  }, 90_000);

  it('answers bad input files with Symphony error documents and a non-zero exit', async () => {
    const d = driver();
    const cases: [string, ScriptResult][] = [
      ['missing file', await d.exec('requestMachines', ['-f', join(d.root, 'nope.json')])],
      ['no -f', await d.exec('getRequestStatus', [])],
      ['empty file', await d.run('requestMachines', '', { raw: true })],
      ['invalid JSON', await d.run('getRequestStatus', '{"requests": [', { raw: true })],
      ['machineCount 0', await d.run('requestMachines', { template: { templateId: 'OnDemand-Small', machineCount: 0 } })],
      ['machineCount "3"', await d.run('requestMachines', { template: { templateId: 'OnDemand-Small', machineCount: '3' } })],
      ['unknown template', await d.run('requestMachines', { template: { templateId: 'Nope', machineCount: 1 } })],
      ['wrong types', await d.run('requestReturnMachines', { machines: 'all of them' })],
    ];
    for (const [label, result] of cases) {
      expect(result.exitCode, label).not.toBe(0);
      expect(typeof result.document.message, label).toBe('string');
      expect(String(result.document.message).length, label).toBeGreaterThan(10);
      expect(result.stdout, label).not.toMatch(/\n\s+at /);
    }
    await expectConsistent(d.database);
  }, 60_000);

  it('starts each operation from a V8 code cache in the work directory, and answers whatever state that cache is in', async () => {
    const d = driver();
    const caches = () => readdirSync(join(d.root, 'work')).filter((name) => name.endsWith('.v8cache'));
    const status = async () => {
      const result = await d.run('getRequestStatus', { requests: [{ requestId: 'req-unknown' }] });
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      expectValid('getRequestStatus', result);
    };
    await status();
    expect(caches()).toEqual([expect.stringMatching(/^provider-getRequestStatus-[0-9a-f]{8}\.v8cache$/)]);
    const file = join(d.root, 'work', caches()[0]!);
    const written = readFileSync(file);
    await status(); // a hit: the file is left as it is
    expect(readFileSync(file).equals(written)).toBe(true);
    const header = 11 + written.readUInt16BE(9); // magic, mode, key length, key (code-cache.ts)
    for (const damaged of [Buffer.from('garbage'), Buffer.concat([written.subarray(0, header + 60), Buffer.alloc(written.length - header - 60, 0x55)])]) {
      writeFileSync(file, damaged);
      await status();
      expect(readFileSync(file).subarray(0, 9).toString()).toBe('HFV8CC03V'); // rewritten
    }
    expect((await d.run('getAvailableTemplates', {})).exitCode).toBe(0);
    expect(caches()).toHaveLength(2); // one per operation
  });

  it('reads the templates file only for getAvailableTemplates and requestMachines', async () => {
    const d = driver();
    expect((await d.run('getAvailableTemplates', {})).exitCode).toBe(0);
    const file = join(d.root, 'conf', 'simprov_templates.json');
    const document = JSON.parse(readFileSync(file, 'utf8')) as { templates: { templateId: string }[] };
    document.templates.push({ ...document.templates[0]!, templateId: 'Added-Later' });
    writeFileSync(file, JSON.stringify(document));
    const stored = () => {
      const db = new Database(d.database, { readonly: true });
      try {
        return (db.prepare('SELECT id FROM templates ORDER BY id').all() as { id: string }[]).map((row) => row.id);
      } finally {
        db.close();
      }
    };
    expect((await d.run('getRequestStatus', { requests: [{ requestId: 'req-unknown' }] })).exitCode).toBe(0);
    expect((await d.run('getReturnRequests', {})).exitCode).toBe(0);
    expect(stored()).not.toContain('Added-Later');
    const offered = await d.run('getAvailableTemplates', {});
    expect((offered.document.templates as { templateId: string }[]).map((t) => t.templateId)).toContain('Added-Later');
    expect(stored()).toContain('Added-Later');
  });
});
