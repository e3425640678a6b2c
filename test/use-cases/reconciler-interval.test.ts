import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ReconcileResult } from '../../src/application/reconcile/reconcile.command';
import type { Middleware } from '../../src/kernel';
import { createTestHostFactory } from '../../src/testing';
import { availableNumber, closeSite, openSite, orphans, processOn, type SharedSite } from './reconcile-support';

let site: SharedSite;
afterEach(() => closeSite(site));

const WINDOW = { minutes: 15 };

describe('HostFactory.reconciler', () => {
  afterEach(() => vi.useRealTimers());

  it('runs Reconcile every `everyMs` while started, with one timer, and leaves none after dispose()', async () => {
    site = openSite();
    await orphans(site, [3]);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const hf = processOn(site);
    site.clock.advance(WINDOW);
    const runs: ReconcileResult[] = [];
    const others = vi.getTimerCount();
    hf.reconciler.start({ everyMs: 1_000, onRun: (result) => runs.push(result) });
    expect(hf.reconciler.running).toBe(true);
    expect(vi.getTimerCount()).toBe(others + 1);
    await vi.advanceTimersByTimeAsync(999);
    expect(runs).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    await vi.waitUntil(() => runs.length === 1);
    expect(runs[0]).toMatchObject({ abandoned: 1, machinesReturned: 3 });
    await vi.advanceTimersByTimeAsync(1_000);
    await vi.waitUntil(() => runs.length === 2);
    expect(runs[1]).toMatchObject({ synced: 1, closed: 1 });
    expect(await availableNumber(hf)).toBe(10);

    hf.dispose();
    site.opened.splice(site.opened.indexOf(hf), 1);
    expect(hf.reconciler.running).toBe(false);
    expect(vi.getTimerCount()).toBe(others);
  });

  it('refuses invalid options at start(), changing nothing', () => {
    site = openSite();
    const hf = processOn(site);
    expect(() => hf.reconciler.start({ limit: 0 })).toThrow(/limit/);
    expect(() => hf.reconciler.start({ everyMs: Number.NaN })).toThrow(/everyMs/);
    expect(hf.reconciler.running).toBe(false);
  });

  it('refuses a negative or non-finite everyMs as VALIDATION_FAILED naming everyMs, and takes 0 as the 100 ms floor', async () => {
    site = openSite();
    const hf = processOn(site);
    for (const everyMs of [-1, Number.POSITIVE_INFINITY]) {
      expect(() => hf.reconciler.start({ everyMs })).toThrow(expect.objectContaining({
        code: 'VALIDATION_FAILED',
        message: expect.stringMatching(/^Invalid reconciler options: everyMs: must be a number of milliseconds >= 0/),
        issues: [{ path: 'everyMs', constraint: 'min', message: `must be a number of milliseconds >= 0, got ${String(everyMs)}` }],
      }));
    }
    expect(hf.reconciler.running).toBe(false);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let runs = 0;
    hf.reconciler.start({ everyMs: 0, onRun: () => (runs += 1) });
    await vi.advanceTimersByTimeAsync(99);
    expect(runs).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    await vi.waitUntil(() => runs === 1);
    await hf.reconciler.stop();
  });

  it('stop() during a run leaves no timer: the run ending late schedules nothing', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    site = openSite();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held: Middleware = async (_context, next) => {
      await gate;
      return next();
    };
    const hf = createTestHostFactory({ storage: site.memory, provider: site.fake, clock: site.clock, middleware: [held] });
    site.opened.push(hf);
    let runs = 0;
    hf.reconciler.start({ everyMs: 100, onRun: () => (runs += 1) });
    await vi.advanceTimersByTimeAsync(100);
    const stopped = hf.reconciler.stop();
    release();
    await stopped;
    expect(runs).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(runs).toBe(1);
  });

  it('logs a scheduled run that failed, with its error, and runs the next one as planned', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    site = openSite();
    let failing = true;
    const flaky: Middleware = async (_context, next) => {
      if (failing) throw new Error('storage went away');
      return next();
    };
    const warnings: { message: string; fields: unknown }[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (message: string, fields?: Record<string, unknown>) => warnings.push({ message, fields }) };
    const hf = createTestHostFactory({ storage: site.memory, provider: site.fake, clock: site.clock, middleware: [flaky], logger });
    site.opened.push(hf);
    const runs: ReconcileResult[] = [];
    hf.reconciler.start({ everyMs: 100, onRun: (result) => runs.push(result) });
    await vi.advanceTimersByTimeAsync(100);
    await vi.waitUntil(() => warnings.length === 1);
    expect(warnings).toEqual([{ message: 'a scheduled Reconcile run failed; the next one runs as planned', fields: { error: 'storage went away' } }]);
    failing = false;
    await vi.advanceTimersByTimeAsync(100);
    await vi.waitUntil(() => runs.length === 1);
    await hf.reconciler.stop();
    expect(warnings).toHaveLength(1);
  });

  it('stop() ends the interval and waits for a run in progress', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    site = openSite();
    const hf = processOn(site);
    let runs = 0;
    hf.reconciler.start({ everyMs: 100, onRun: () => (runs += 1) });
    await vi.advanceTimersByTimeAsync(100);
    await hf.reconciler.stop();
    expect(runs).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(runs).toBe(1);
  });

  it('runOnce() runs one Reconcile now and resolves to its counts, for a script that must not exit before it', async () => {
    site = openSite();
    await orphans(site, [3]);
    const hf = processOn(site);
    site.clock.advance(WINDOW);
    const seen: ReconcileResult[] = [];
    const result = await hf.reconciler.runOnce({ limit: 10, onRun: (r) => seen.push(r) });
    expect(result).toMatchObject({ abandoned: 1, machinesReturned: 3 });
    expect(seen).toEqual([result]);
    expect(hf.reconciler.running).toBe(false);
    expect((await hf.reconciler.runOnce()).closed).toBe(1);
    expect(await availableNumber(hf)).toBe(10);
  });

  it('runOnce() rejects with the run\'s error and with VALIDATION_FAILED for bad options', async () => {
    site = openSite();
    const failing: Middleware = async () => {
      throw new Error('storage went away');
    };
    const hf = createTestHostFactory({ storage: site.memory, provider: site.fake, clock: site.clock, middleware: [failing] });
    site.opened.push(hf);
    await expect(hf.reconciler.runOnce({ limit: 0 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(hf.reconciler.runOnce()).rejects.toThrow('storage went away');
  });

  it('runOnce() waits for an interval run in progress: two runs never overlap', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    site = openSite();
    let active = 0;
    let most = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const counting: Middleware = async (_context, next) => {
      active += 1;
      most = Math.max(most, active);
      try {
        await gate; // the interval's run is still in progress when runOnce() is called
        return await next();
      } finally {
        active -= 1;
      }
    };
    const hf = createTestHostFactory({ storage: site.memory, provider: site.fake, clock: site.clock, middleware: [counting] });
    site.opened.push(hf);
    hf.reconciler.start({ everyMs: 100 });
    await vi.advanceTimersByTimeAsync(100);
    expect(active).toBe(1);
    const once = hf.reconciler.runOnce();
    await vi.advanceTimersByTimeAsync(0);
    release();
    await once;
    await hf.reconciler.stop();
    expect(most).toBe(1);
  });
});
