import { spawn } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostFactory } from '../../src';
import { createCallRecorder, createHostFactoryApi, parseTemplatesFile, readRecording, recordingFromEnvironment, type RecordingEntry } from '../../src/hostfactory';
import { createTestHostFactory, replayRecording } from '../../src/testing';
import { ensureBuilt, ROOT } from '../package/helpers';

const dirs: string[] = [];
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'hf-recording-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const TEMPLATES = { templates: [{ templateId: 'T1', maxNumber: 4, attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '1024'] }, instanceTags: 'team=grid;cost=secret-cc', vmType: 't3.small' }] };

/** The end lines of a recording (each finished call's line; start lines left out), as text. */
const endLines = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n').filter((line) => line.startsWith('{"kind":"hostfactory-call",'));

/** The entries of a recording, without the start lines (a finished call has both). */
async function entries(file: string): Promise<RecordingEntry[]> {
  const out: RecordingEntry[] = [];
  for await (const entry of readRecording(file)) if (entry.started === undefined) out.push(entry);
  return out;
}

/** A recorded session on the fake cloud: templates, an acquire with user data and tags, its status. */
async function recordSession(dir: string, options: Parameters<typeof createCallRecorder>[0] extends infer O ? Partial<O> : never = {}) {
  const recorder = createCallRecorder({ dir, ...options });
  const hf = createTestHostFactory();
  const recorded = createTestHostFactory({ provider: recorder.provider(hf.fake!), clock: recorder.clock(hf.clock!), ids: recorder.ids({ uuid: (() => { let n = 0; return () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`; })() }) });
  await recorded.commands.execute(parseTemplatesFile(TEMPLATES));
  const api = createHostFactoryApi(recorded, { recorder });
  await api.getAvailableTemplates();
  const asked = await api.requestMachines({ template: { templateId: 'T1', machineCount: 2 }, userData: { password_hint: 'hunter2', JOB: '42' }, providerConfig: { vaultToken: 'tok-123' } });
  if (!asked.ok) throw new Error(JSON.stringify(asked.document));
  await api.getRequestStatus({ requests: [{ requestId: asked.document.requestId }] });
  recorded.dispose();
  hf.dispose();
  recorder.close();
  return recorder.path;
}

describe('the call recorder', () => {
  it('writes one line per call with the port calls, clock readings and ids, and redacts userData, tags and keys marked sensitive', async () => {
    const file = await recordSession(scratch(), { sensitiveKeys: ['vaultToken'] });
    const text = readFileSync(file, 'utf8');
    for (const secret of ['hunter2', 'secret-cc', 'tok-123', '"42"']) expect(text).not.toContain(secret);
    const calls = (await entries(file)).map((e) => e.call!);
    expect(calls.map((c) => c.operation)).toEqual(['getAvailableTemplates', 'requestMachines', 'getRequestStatus']);
    const acquire = calls[1]!;
    expect(acquire.input).toMatchObject({ userData: { password_hint: 'REDACTED', JOB: 'REDACTED' }, providerConfig: { vaultToken: 'REDACTED' } });
    expect(acquire.provider[0]).toMatchObject({ method: 'provision', args: { requestId: acquire.answer && (acquire.answer as { requestId: string }).requestId } });
    expect(JSON.stringify(acquire.provider[0]!.args)).toContain('"team":"REDACTED"');
    expect(acquire.clock.length).toBeGreaterThan(0);
    expect(acquire.ids.length).toBeGreaterThan(0);
    expect(acquire.ids.every((id) => /^00000000-0000-4000-8000-\d{12}$/.test(id))).toBe(true);
    expect(calls[0]!.answer).toMatchObject({ templates: [{ instanceTags: 'team=REDACTED;cost=REDACTED' }] });
  });

  it('rotates a file past maxBytes into <name>.1 … <name>.<keep>, dropping the oldest, and every rotated file still reads', async () => {
    const dir = scratch();
    const recorder = createCallRecorder({ dir, fileName: 'r.jsonl', maxBytes: 600, keep: 2 });
    for (let i = 0; i < 12; i += 1) await recorder.record({ operation: 'getAvailableTemplates', dialect: 'symphony' }, async () => ({ exitCode: 0, document: { n: i, pad: 'x'.repeat(200) } }));
    recorder.close();
    expect(readdirSync(dir).sort()).toEqual(['r.jsonl', 'r.jsonl.1', 'r.jsonl.2']);
    const numbers: number[] = [];
    for (const name of ['r.jsonl.2', 'r.jsonl.1', 'r.jsonl']) {
      expect(lstatSync(join(dir, name)).size).toBeLessThanOrEqual(600);
      for (const e of await entries(join(dir, name))) numbers.push((e.call!.answer as { n: number }).n);
    }
    expect(numbers).toEqual(numbers.slice().sort((a, b) => a - b));
    expect(numbers.at(-1)).toBe(11);
  });

  it('never writes through a symbolic link planted at the recording\'s name', () => {
    const dir = scratch();
    const target = join(scratch(), 'victim');
    writeFileSync(target, 'untouched');
    symlinkSync(target, join(dir, 'hostfactory-recording.jsonl'));
    expect(() => createCallRecorder({ dir })).toThrow(/not a regular file of this user with a single link/);
    expect(readFileSync(target, 'utf8')).toBe('untouched');
  });

  it('reads HF_PROVIDER_RECORD and its companions, refusing a value it does not know with the variable named', () => {
    expect(recordingFromEnvironment({})).toBeUndefined();
    expect(recordingFromEnvironment({ HF_PROVIDER_RECORD: 'off' })).toBeUndefined();
    expect(recordingFromEnvironment({ HF_PROVIDER_RECORD: 'on', HF_PROVIDER_RECORD_MAX_MB: '2', HF_PROVIDER_RECORD_KEEP: '3', HF_PROVIDER_RECORD_SENSITIVE_KEYS: 'a, b' })).toEqual({ maxBytes: 2 * 1024 * 1024, keep: 3, sensitiveKeys: ['a', 'b'] });
    expect(() => recordingFromEnvironment({ HF_PROVIDER_RECORD: 'please' })).toThrow(expect.objectContaining({ code: 'RECORDING_ENVIRONMENT_INVALID', details: { variable: 'HF_PROVIDER_RECORD' } }));
    expect(() => recordingFromEnvironment({ HF_PROVIDER_RECORD: '1', HF_PROVIDER_RECORD_MAX_MB: '0' })).toThrow(/HF_PROVIDER_RECORD_MAX_MB must be a whole number from 1/);
  });
});

describe('reading and replaying a recording', () => {
  beforeAll(ensureBuilt, 120_000);

  it('replays a session recorded through createHostFactoryApi with no divergence, and reports an answer edited after the fact', async () => {
    const file = await recordSession(scratch());
    // The templates were imported before the recording began: the replay seeds them the same way.
    const seed = (hf: HostFactory) => hf.commands.execute(parseTemplatesFile(TEMPLATES));
    const unseeded = await replayRecording(file);
    expect(unseeded.divergences[0]).toMatchObject({ line: 2, operation: 'getAvailableTemplates', field: 'templates[0]', now: undefined });
    expect(await replayRecording(file, { seed })).toMatchObject({ matched: true, calls: 3, divergences: [] });
    const lines = endLines(file);
    const status = JSON.parse(lines[2]!) as { answer: { requests: { machines: { status: string }[] }[] } };
    const was = status.answer.requests[0]!.machines[0]!.status;
    status.answer.requests[0]!.machines[0]!.status = 'terminated';
    writeFileSync(file, `${[lines[0], lines[1], JSON.stringify(status)].join('\n')}\n`);
    const report = await replayRecording(file, { seed });
    expect(report.matched).toBe(false);
    expect(report.divergences).toEqual([expect.objectContaining({ line: 3, operation: 'getRequestStatus', field: 'requests[0].machines[0].status', recorded: 'terminated', now: was })]);
  });

  it('reports a provider call the build makes that the recording lacks, and a recorded one it no longer makes, as divergences', async () => {
    const file = await recordSession(scratch());
    const seed = (hf: HostFactory) => hf.commands.execute(parseTemplatesFile(TEMPLATES));
    const lines = endLines(file).map((line) => JSON.parse(line) as { provider: { method: string; args: unknown }[] });
    const provision = lines[1]!.provider.find((p) => p.method === 'provision')!;
    lines[1]!.provider = lines[1]!.provider.filter((p) => p !== provision);
    lines[2]!.provider.push({ method: 'terminate', args: { requestId: 'req-x', machineIds: ['i-1'] } });
    writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const report = await replayRecording(file, { seed, maxDivergences: 100 });
    expect(report.matched).toBe(false);
    expect(report.divergences).toContainEqual(expect.objectContaining({ line: 2, operation: 'requestMachines', field: 'provider.provision', recorded: undefined, now: expect.objectContaining({ requestId: (provision.args as { requestId: string }).requestId, count: 2 }) }));
    expect(report.divergences).toContainEqual(expect.objectContaining({ line: 3, operation: 'getRequestStatus', field: 'provider.terminate', recorded: { requestId: 'req-x', machineIds: ['i-1'] }, now: undefined }));
  });

  it('keeps the port calls of calls running at once in one process with their own call', async () => {
    const recorder = createCallRecorder({ dir: scratch() });
    const hf = createTestHostFactory();
    const recorded = createTestHostFactory({ provider: recorder.provider(hf.fake!), clock: recorder.clock(hf.clock!) });
    await recorded.commands.execute(parseTemplatesFile({ templates: [{ ...TEMPLATES.templates[0]!, maxNumber: 20 }] }));
    const api = createHostFactoryApi(recorded, { recorder });
    const answers = await Promise.all([1, 2, 3].map((n) => api.requestMachines({ template: { templateId: 'T1', machineCount: n } })));
    recorded.dispose();
    hf.dispose();
    recorder.close();
    const calls = (await entries(recorder.path)).map((e) => e.call!);
    expect(calls).toHaveLength(3);
    for (const call of calls) {
      const requestId = (call.answer as { requestId: string }).requestId;
      expect(answers.map((a) => (a.document as { requestId?: string }).requestId)).toContain(requestId);
      expect(call.provider.map((p) => (p.args as { requestId: string }).requestId)).toEqual([requestId]);
      expect((call.provider[0]!.args as { count: number }).count).toBe((call.input as { template: { machineCount: number } }).template.machineCount);
    }
  });

  it('names the line and what is wrong for a foreign, future-version or incomplete recording', async () => {
    const dir = scratch();
    const file = join(dir, 'bad.jsonl');
    const good = endLines(await recordSession(scratch()))[0]!;
    const expectError = async (text: string, code: string, message: RegExp) => {
      writeFileSync(file, text);
      await expect(replayRecording(file)).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    };
    await expectError('{"time":"2026-01-01","level":"info","message":"hello"}\n', 'RECORDING_FOREIGN', /bad\.jsonl line 1 is not a recorded host-factory call/);
    await expectError(`${good}\n${good.replace('"v":1', '"v":9')}\n`, 'RECORDING_VERSION_UNSUPPORTED', /line 2 is recording format 9 .* reads format 1/);
    await expectError(`${good}\n${good.replace(/"exitCode":\d+,/, '')}\n`, 'RECORDING_INVALID', /line 2: "exitCode" must be a whole number/);
    await expectError(`${good}\nnot json at all\n`, 'RECORDING_INVALID', /line 2 is not JSON and not a recorded call cut short/);
    await expect(replayRecording(join(dir, 'missing.jsonl'))).rejects.toMatchObject({ code: 'RECORDING_UNREADABLE' });
  });

  it('survives a writer SIGKILLed mid-stream: every complete line reads, a torn tail is reported (not replayed), and the next writer starts on a fresh line', async () => {
    const dir = scratch();
    // A child appending large lines as fast as it can, killed without warning.
    const program = `
      import { createCallRecorder } from ${JSON.stringify(join(ROOT, 'dist/hostfactory/index.js'))};
      const recorder = createCallRecorder({ dir: ${JSON.stringify(dir)}, fileName: 'k.jsonl' });
      const pad = 'y'.repeat(200000);
      process.stdout.write('ready\\n');
      for (let n = 0; ; n += 1) await recorder.record({ operation: 'getAvailableTemplates', dialect: 'symphony' }, async () => ({ exitCode: 0, document: { n, pad } }));`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', program], { stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const file = join(dir, 'k.jsonl');
    const complete = (await entries(file)).filter((e) => e.call !== undefined).length;
    expect(complete).toBeGreaterThan(0);
    // A disk that filled mid-line leaves the same torn tail: cut the last line short.
    const size = lstatSync(file).size;
    truncateSync(file, size - 1000);
    const after = await entries(file);
    expect(after.at(-1)).toEqual({ line: after.length, torn: true });
    const recorder = createCallRecorder({ dir, fileName: 'k.jsonl' });
    await recorder.record({ operation: 'getAvailableTemplates', dialect: 'symphony' }, async () => ({ exitCode: 0, document: { n: 'next' } }));
    recorder.close();
    const final = await entries(file);
    expect(final.filter((e) => e.torn).map((e) => e.line)).toEqual([after.length]);
    expect(final.at(-1)!.call!.answer).toEqual({ n: 'next' });
  }, 60_000);
});
