import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from '../../test/package/helpers';
import { SymphonyDriver, type DriverLayout } from './driver';
import { buildProvider, pollUntilDone, sampleTemplates, scripts } from './test-support';

beforeAll(async () => {
  buildProvider();
  await ensureBuilt();
}, 180_000);

const SECRET = 's3cr3t-user-data-value';

/** Runs the package's `hostfactory-kernel` command from `dist` (or another build's copy of it). */
function cli(args: string[], dist = join(ROOT, 'dist')): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(dist, 'cli', 'hostfactory-kernel.js'), ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The recording file the provider wrote in its log directory. */
function recordingIn(driver: SymphonyDriver): string {
  const files = readdirSync(driver.logDir).filter((f) => f.includes('.recording') && f.endsWith('.jsonl'));
  expect(files).toHaveLength(1);
  return join(driver.logDir, files[0]!);
}

/** A full cycle through the scripts: templates, an acquire with user data, its machines returned. Answers each call's operation. */
async function fullCycle(d: SymphonyDriver, dialect: 'symphony' | 'lsf'): Promise<string[]> {
  const operations: string[] = [];
  const run = async (operation: string, input: unknown) => {
    operations.push(operation);
    return d.run(operation, input);
  };
  await run('getAvailableTemplates', {});
  const requested = await run('requestMachines', { template: { templateId: 'OnDemand-Small', machineCount: 2 }, rc_account: 'proj-7', userData: { TOKEN: SECRET } });
  expect(requested.exitCode, requested.stdout + requested.stderr).toBe(0);
  const polls = async (requestId: string) => {
    const done = await pollUntilDone(d, requestId, {}, dialect);
    // pollUntilDone runs the script itself: count its calls from the recording below.
    return done;
  };
  const done = await polls(requested.document.requestId as string);
  const machines = (done.document.requests as { machines: { name: string; machineId: string }[] }[])[0]!.machines.map((m) => ({ name: m.name, machineId: m.machineId }));
  await run('getReturnRequests', { machines });
  const returned = await run('requestReturnMachines', { machines });
  await polls(returned.document.requestId as string);
  await run('getReturnRequests', { machines });
  return operations;
}

describe('recording and replaying provider calls through the scripts', () => {
  const drivers: SymphonyDriver[] = [];
  const scratch: string[] = [];
  afterAll(() => {
    drivers.forEach((d) => d.dispose());
    scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
  });
  const driver = (layout: DriverLayout, env: Record<string, string> = {}) => {
    const d = new SymphonyDriver(scripts, sampleTemplates, { HF_PROVIDER_RECORD: '1', ...env }, { layout, name: layout === 'lsf' ? 'simlsf' : 'sim' });
    drivers.push(d);
    return d;
  };
  const recorded: Record<string, string> = {};

  it.each([
    ['symphony', 'explicit'],
    ['lsf', 'lsf'],
  ] as const)('records a full %s cycle, one line per call with its dialect, redacted, and replays it with no divergence', async (dialect, layout) => {
    const d = driver(layout);
    const operations = await fullCycle(d, dialect);
    const file = recordingIn(d);
    const text = readFileSync(file, 'utf8');
    const all = text.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, any>);
    // Each call writes its start (input known) and its end (answered); only ends carry answers.
    const lines = all.filter((l) => l.kind === 'hostfactory-call');
    expect(all.filter((l) => l.kind === 'hostfactory-call-start').map((l) => l.call)).toEqual(lines.map((l) => l.call));
    expect(lines.filter((l) => l.operation !== 'getRequestStatus').map((l) => l.operation)).toEqual(operations);
    expect(new Set(lines.map((l) => l.dialect))).toEqual(new Set([dialect]));
    expect(lines[0]!.library).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    const acquire = lines.find((l) => l.operation === 'requestMachines')!;
    expect(acquire.input).toEqual({ template: { templateId: 'OnDemand-Small', machineCount: 2 }, rc_account: 'proj-7', userData: { TOKEN: 'REDACTED' } });
    expect(acquire.provider.map((p: { method: string }) => p.method)).toContain('provision');
    expect(acquire.ids.length).toBeGreaterThan(0);
    expect(acquire.clock.length).toBeGreaterThan(0);
    expect(acquire.setup.templates.templates.length).toBeGreaterThan(0);
    expect(text).not.toContain(SECRET);
    recorded[dialect] = file;

    const replay = cli(['replay', file]);
    expect(replay.stdout).toContain(`MATCHED: ${lines.length} call(s)`);
    expect(replay.status).toBe(0);
    const show = cli(['show', file]);
    expect(show.status).toBe(0);
    expect(show.stdout.trimEnd().split('\n')).toHaveLength(lines.length);
    expect(show.stdout).toMatch(/requestMachines \(template OnDemand-Small\) exit 0 .* provider: provision ok/);
    const summary = cli(['summary', file]);
    expect(summary.stdout).toContain(`${acquire.answer.requestId} acquire OnDemand-Small asked 2 status complete machines 2`);
  }, 120_000);

  it('keeps the start of a call SIGKILLed mid-way: show and replay name it as interrupted, and the calls before it still replay', async () => {
    const d = driver('explicit');
    await d.run('getAvailableTemplates', {});
    const file = recordingIn(d);
    const starts = () => readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('{"kind":"hostfactory-call-start"')).length;
    const input = d.inputFile('requestMachines', { template: { templateId: 'OnDemand-Small', machineCount: 2 } });
    const hanging = d.start('requestMachines', ['-f', input], { SIM_HANG_ON_TEMPLATE: 'OnDemand-Small' });
    for (let i = 0; i < 150 && starts() < 2; i++) await new Promise((r) => setTimeout(r, 100));
    expect(starts()).toBe(2);
    process.kill(hanging.pid!, 'SIGKILL');
    expect((await hanging.result).exitCode).not.toBe(0);

    const show = cli(['show', file]);
    expect(show.stdout).toMatch(/getAvailableTemplates exit 0 .*\n.*requestMachines \(template OnDemand-Small\) started at .*:3 by pid \d+ and never finished \(killed\?\)/);
    const replay = cli(['replay', file]);
    expect(replay.status).toBe(0);
    expect(replay.stdout).toMatch(/^MATCHED: 1 call\(s\) answered as recorded\.\n.*:3 requestMachines \(template OnDemand-Small\) started .* and never finished: the process was killed; not replayed/);
    expect(cli(['summary', file]).stdout).toMatch(/1 call\(s\), 0 failed, 1 interrupted, 0 torn line\(s\)/);
  }, 60_000);

  it('reports a planted behaviour change at the operation, request and field it changes, with exit status 1', () => {
    // Another build: this one with getRequestStatus answering every completed request as still running.
    const dir = mkdtempSync(join(ROOT, '.tmp-planted-'));
    scratch.push(dir);
    cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    const chunk = readdirSync(join(dir, 'dist')).find((f) => f.endsWith('.js') && readFileSync(join(dir, 'dist', f), 'utf8').includes('function wireRequestStatus('))!;
    const path = join(dir, 'dist', chunk);
    const planted = readFileSync(path, 'utf8').replace(/(case "completed":\s*return )"complete";/, '$1"running";');
    expect(planted).not.toBe(readFileSync(path, 'utf8'));
    writeFileSync(path, planted);

    const file = recorded.symphony!;
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, any>);
    const first = lines.findIndex((l) => l.kind === 'hostfactory-call' && l.operation === 'getRequestStatus' && l.answer.requests[0].status === 'complete');
    const replay = cli(['replay', file, '--json'], join(dir, 'dist'));
    expect(replay.status).toBe(1);
    const report = JSON.parse(replay.stdout) as { matched: boolean; divergences: Record<string, unknown>[] };
    expect(report.matched).toBe(false);
    expect(report.divergences[0]).toMatchObject({
      line: first + 1,
      operation: 'getRequestStatus',
      request: `requests ${lines[first]!.answer.requests[0].requestId}`,
      field: 'requests[0].status',
      recorded: 'complete',
      now: 'running',
    });
    expect(cli(['replay', file], join(dir, 'dist')).stdout).toMatch(/DIVERGED: .*\n.*getRequestStatus \(requests .*\) requests\[0\]\.status\n\s+recorded: "complete"\n\s+now:\s+"running"/);
  });

  it('validates templates files of both products, and names the file, line and fix for bad input with exit status 1 (2 when called wrongly)', () => {
    const lsfTemplates = join(ROOT, 'examples', 'symphony-provider', 'sample', 'lsf', 'simprov_templates.json');
    const valid = cli(['validate-templates', sampleTemplates, lsfTemplates]);
    expect(valid.status).toBe(0);
    expect(valid.stdout).toMatch(/simprov_templates\.json: valid, 3 template\(s\): OnDemand-Small, OnDemand-Flaky, Spot-Mixed/);
    const dir = mkdtempSync(join(tmpdir(), 'hf-cli-'));
    scratch.push(dir);
    const broken = join(dir, 'broken_templates.json');
    writeFileSync(broken, JSON.stringify({ templates: [{ templateId: 'Bad', maxNumber: -1, attributes: {} }] }));
    const invalid = cli(['validate-templates', broken]);
    expect(invalid.status).toBe(1);
    expect(invalid.stderr).toMatch(/broken_templates\.json: Invalid templates file: templates\[0\]\.attributes\.type: the type attribute is required/);
    expect(invalid.stderr).toContain('{"path":"templates[0].vmType","constraint":"required"');
    writeFileSync(join(dir, 'log.jsonl'), '{"time":"2026-01-01","level":"info","message":"hello"}\n');
    const foreign = cli(['replay', join(dir, 'log.jsonl')]);
    expect(foreign.status).toBe(1);
    expect(foreign.stderr).toMatch(/RECORDING_FOREIGN: .*log\.jsonl line 1 is not a recorded host-factory call/);
    const usage = cli(['replay']);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/Name at least one file\.\n\nUsage: hostfactory-kernel/);
  });
});
