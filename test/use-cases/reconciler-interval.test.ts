import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ReconcileResult } from '../../src/application';
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
});
