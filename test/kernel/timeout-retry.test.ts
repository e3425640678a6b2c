import 'reflect-metadata';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isKernelError, KernelError, retry, timeout, type Middleware } from '../../src/kernel';
import { disposedAfterEach } from '../support/kernels';
import { Greet } from './fixtures';

// The limits of timeout() and retry() a host relies on to bound a command that would otherwise run
// (and bill) for ever: each test breaks when its rule is removed.
const kernel = disposedAfterEach();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const conflict = () => new KernelError('CONCURRENCY_CONFLICT', 'version moved');

afterEach(() => {
  vi.restoreAllMocks();
});

describe('timeout() limits', () => {
  it.each([NaN, Infinity, -Infinity, -1, 0])('refuses %s milliseconds at construction', (ms) => {
    expect(() => timeout(ms)).toThrow(new RangeError(`timeout(ms) needs a positive number of milliseconds, got ${ms}`));
  });

  it('rejects a slow dispatch with TIMEOUT naming the operation and the limit, and aborts the handler with that error', async () => {
    let inner: AbortSignal | undefined;
    const k = kernel({ handlers: [], middleware: [timeout(15)] });
    k.commands.register(Greet, { handle: (_c, ctx) => ((inner = ctx.signal), new Promise<string>(() => undefined)) });
    const error = await k.commands.execute(Greet.of('x')).catch((e: unknown) => e);
    expect(isKernelError(error, 'TIMEOUT')).toBe(true);
    expect((error as KernelError).details).toEqual({ operation: 'command Greet', timeoutMs: 15 });
    expect((error as KernelError).message).toBe('command Greet did not finish within 15 ms and was aborted. Raise the timeout or find what is slow.');
    expect(inner?.reason).toBe(error);
  });

  it('hands a caller signal that is already aborted to the handler as aborted, with its reason', async () => {
    let seen: { aborted: boolean; reason: unknown } | undefined;
    const k = kernel({ handlers: [], middleware: [timeout(1000)] });
    k.commands.register(Greet, { handle: (c, ctx) => ((seen = { aborted: ctx.signal?.aborted === true, reason: ctx.signal?.reason }), c.name) });
    const caller = new AbortController();
    caller.abort('caller gave up');
    await k.commands.execute(Greet.of('x'), { signal: caller.signal });
    expect(seen).toEqual({ aborted: true, reason: 'caller gave up' });
  });

  it('aborts the handler’s signal when the caller aborts during the dispatch', async () => {
    const caller = new AbortController();
    const k = kernel({ handlers: [], middleware: [timeout(1000)] });
    k.commands.register(Greet, {
      handle: (_c, ctx) =>
        new Promise<string>((resolve) => {
          ctx.signal?.addEventListener('abort', () => resolve(`stopped: ${String(ctx.signal?.reason)}`));
          caller.abort('caller gave up');
        }),
    });
    await expect(k.commands.execute(Greet.of('x'), { signal: caller.signal })).resolves.toBe('stopped: caller gave up');
  });

  it('gives the middleware outside it the caller’s own signal back once the dispatch is done', async () => {
    const caller = new AbortController();
    let after: AbortSignal | undefined;
    const outer: Middleware = async (ctx, next) => {
      const result = await next();
      after = ctx.signal;
      return result;
    };
    const k = kernel({ handlers: [], middleware: [outer, timeout(1000)] });
    k.commands.register(Greet, { handle: (c) => c.name });
    await k.commands.execute(Greet.of('x'), { signal: caller.signal });
    expect(after).toBe(caller.signal);
  });

  it('stops its timer when the dispatch finishes first: the handler is never aborted afterwards', async () => {
    let inner: AbortSignal | undefined;
    const k = kernel({ handlers: [], middleware: [timeout(10)] });
    k.commands.register(Greet, { handle: (c, ctx) => ((inner = ctx.signal), c.name) });
    await expect(k.commands.execute(Greet.of('fast'))).resolves.toBe('fast');
    await sleep(40);
    expect(inner?.aborted).toBe(false);
  });
});

describe('retry() limits', () => {
  it('stops retrying once the dispatch’s signal is aborted', async () => {
    const caller = new AbortController();
    let calls = 0;
    const k = kernel({ handlers: [], middleware: [retry({ backoff: () => 0 })] });
    k.commands.register(Greet, {
      handle: () => {
        calls++;
        caller.abort();
        throw conflict();
      },
    });
    await expect(k.commands.execute(Greet.of('x'), { signal: caller.signal })).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT' });
    expect(calls).toBe(1);
  });

  it.each([
    [0, 1],
    [1, 2],
    [5, 6],
  ])('with attempts: %i makes %i calls in all', async (attempts, expected) => {
    let calls = 0;
    const k = kernel({ handlers: [], middleware: [retry({ attempts, backoff: () => 0 })] });
    k.commands.register(Greet, {
      handle: () => {
        calls++;
        throw conflict();
      },
    });
    await expect(k.commands.execute(Greet.of('x'))).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT' });
    expect(calls).toBe(expected);
  });

  it('retries the codes it is given, and never an error of another library that carries such a code', async () => {
    const cases = [
      { codes: ['PROVIDER_ERROR'], error: new KernelError('PROVIDER_ERROR', 'busy'), calls: 4 },
      { codes: undefined, error: Object.assign(new Error('look-alike'), { code: 'CONCURRENCY_CONFLICT' }), calls: 1 },
    ];
    for (const { codes, error, calls: expected } of cases) {
      let calls = 0;
      const k = kernel({ handlers: [], middleware: [retry({ ...(codes ? { codes } : {}), backoff: () => 0 })] });
      k.commands.register(Greet, {
        handle: () => {
          calls++;
          throw error;
        },
      });
      await expect(k.commands.execute(Greet.of('x'))).rejects.toBe(error);
      expect(calls).toBe(expected);
    }
  });

  it('waits backoff(n) before retry n; by default at most 5, 10 and 20 ms (full jitter)', async () => {
    const asked: number[] = [];
    const custom = kernel({ handlers: [], middleware: [retry({ backoff: (n) => (asked.push(n), 0) })] });
    custom.commands.register(Greet, { handle: () => Promise.reject(conflict()) });
    await expect(custom.commands.execute(Greet.of('x'))).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT' });
    expect(asked).toEqual([1, 2, 3]);

    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    const waits: number[] = [];
    const realSetTimeout = globalThis.setTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => (waits.push(ms ?? 0), realSetTimeout(fn, 0))) as never);
    const byDefault = kernel({ handlers: [], middleware: [retry()] });
    byDefault.commands.register(Greet, { handle: () => Promise.reject(conflict()) });
    await expect(byDefault.commands.execute(Greet.of('x'))).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT' });
    expect(waits.map((ms) => Math.round(ms * 1000) / 1000)).toEqual([4.995, 9.99, 19.98]);
  });
});
