import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidateTemplate } from '../../src/application/templates/template.commands';
import { Command, createKernel, isKernelError, timeout } from '../../src/kernel';
import { createTestHostFactory } from '../../src/testing';
import { recordFigures, scale } from './support';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = fileURLToPath(new URL('../../stress/load-child.mjs', import.meta.url));
const COUNT = 10_000;
const figures: Record<string, unknown> = {};

class Ping extends Command<number> {}
class Slow extends Command<number> {}

/** Types of which more handles are active now than in `before` (empty when nothing was left behind). */
function leftBehind(before: Record<string, number>): Record<string, number> {
  const now = activeResources();
  return Object.fromEntries(Object.entries(now).filter(([type, n]) => n > (before[type] ?? 0)));
}

/** Active handles and requests of this process, by type (vitest's own pipes excluded). */
function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) if (type !== 'PipeWrap' && type !== 'TTYWrap') counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

describe('load', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  let listenersBefore: number;
  beforeAll(() => {
    listenersBefore = process.listenerCount('unhandledRejection');
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(() => {
    process.off('unhandledRejection', onUnhandled);
    recordFigures('load', figures);
  });

  it(`${COUNT.toLocaleString('en')} concurrent commands through one kernel with timeout(): no unhandled rejection, no timer or listener left`, async () => {
    const kernel = createKernel({ handlers: [], middleware: [timeout(10_000)] });
    kernel.commands.register(Ping, { handle: async () => 1 });
    const before = activeResources();
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: COUNT }, () => kernel.commands.execute(new Ping())));
    figures.kernelCommands = { count: COUNT, durationMs: Math.round(performance.now() - started) };
    expect(results.reduce((a, b) => a + b, 0)).toBe(COUNT);
    await new Promise((resolve) => setImmediate(resolve));
    // Every timeout() timer was cleared when its call ended: no Timeout handle is left behind.
    expect(leftBehind(before)).toEqual({});
    expect(process.listenerCount('unhandledRejection')).toBe(listenersBefore + 1);
    expect(unhandled).toEqual([]);
    kernel.dispose();
  });

  it('timeout() that fires on thousands of slow commands rejects each with TIMEOUT and leaves no timer or listener', async () => {
    const kernel = createKernel({ handlers: [], middleware: [timeout(20)] });
    const controllers: AbortSignal[] = [];
    kernel.commands.register(Slow, {
      handle: (_command, context) =>
        new Promise<number>((resolve) => {
          controllers.push(context.signal!);
          const timer = setTimeout(() => resolve(1), 5_000);
          context.signal?.addEventListener('abort', () => clearTimeout(timer), { once: true });
        }),
    });
    const before = activeResources();
    const n = scale(2_000, COUNT);
    const results = await Promise.allSettled(Array.from({ length: n }, () => kernel.commands.execute(new Slow())));
    expect(results.every((r) => r.status === 'rejected' && isKernelError(r.reason, 'TIMEOUT'))).toBe(true);
    expect(controllers.every((signal) => signal.aborted)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(leftBehind(before)).toEqual({});
    expect(unhandled).toEqual([]);
    figures.timeouts = { count: n };
    kernel.dispose();
  });

  it(`${scale(2_000, COUNT).toLocaleString('en')} concurrent ValidateTemplate commands through a host factory: all answered, nothing left running`, async () => {
    const hf = createTestHostFactory({ middleware: [timeout(20_000)] });
    const n = scale(2_000, COUNT);
    const before = activeResources();
    const started = performance.now();
    const template = {
      templateId: 't',
      maxNumber: 3,
      attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '4096'] },
      vmType: 't3.small',
      providerApi: 'EC2Fleet',
    };
    const results = await Promise.all(Array.from({ length: n }, (_, i) => hf.commands.execute(ValidateTemplate.from({ template: { ...template, templateId: `t-${i % 50}` } }))));
    figures.hostFactoryCommands = { count: n, durationMs: Math.round(performance.now() - started) };
    expect(results.every((r) => r.valid)).toBe(true);
    await hf.settle();
    hf.dispose();
    await new Promise((resolve) => setImmediate(resolve));
    expect(leftBehind(before)).toEqual({});
    expect(unhandled).toEqual([]);
  });

  it('a node --expose-gc child process returns to its baseline heap after rounds of 10,000 concurrent commands, and exits on its own', async () => {
    if (!existsSync(`${ROOT}dist/kernel/index.js`)) execFileSync('npx', ['tsup'], { cwd: ROOT, stdio: 'ignore' });
    const rounds = scale(2, 20);
    const child = spawn(process.execPath, ['--expose-gc', CHILD], { cwd: ROOT, env: { ...process.env, LOAD_COUNT: String(COUNT), LOAD_ROUNDS: String(rounds) } });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    // No kill: the child must end by itself. If a handle kept it alive, this wait times out the test.
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(err).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(out) as { done: number; unhandled: number; heapGrowth: number; baselineHeap: number; afterResources: string[]; durationMs: number };
    expect(report.done).toBe(COUNT * rounds);
    expect(report.unhandled).toBe(0);
    expect(report.afterResources).toEqual([]);
    // Back to baseline within 2 MB (or 25%): 10,000 retained contexts or timers would be far more.
    expect(report.heapGrowth).toBeLessThan(Math.max(2 * 1024 * 1024, report.baselineHeap * 0.25));
    figures.child = report;
  }, 120_000);
});
