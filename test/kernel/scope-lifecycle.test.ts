import 'reflect-metadata';
import { Token } from 'typedi';
import { describe, expect, it } from 'vitest';
import { Inject, isKernelError, KernelError, Query, scoped, type ScopedServiceContext, type ScopeOutcome } from '../../src/kernel';
import { disposedAfterEach } from '../support/kernels';

// How a dispatch's scoped services end: a service that commits or releases something on dispose (a
// transaction, a lock, a connection) must be disposed exactly once, in order, even when something
// else failed, and never be handed out once its scope is over.
const kernel = disposedAfterEach();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const A = new Token<string>('lifecycle.a');
const B = new Token<string>('lifecycle.b');
const C = new Token<string>('lifecycle.c');

/** Asks for A, B and C in that order, so they are created in that order. */
class UsesThree {
  constructor(@Inject(A) readonly a: string, @Inject(B) readonly b: string, @Inject(C) readonly c: string) {}
  handle(): string {
    return [this.a, this.b, this.c].join(',');
  }
}

/** Answers the A of its scope. */
class NeedsA {
  constructor(@Inject(A) readonly a: string) {}
  handle(): string {
    return this.a;
  }
}

class Ask extends Query<string> {}
class Top extends Query<string> {}

describe('the end of a dispatch scope', () => {
  it('disposes its services last created first, each one even when another one’s dispose fails', async () => {
    const disposed: string[] = [];
    const k = kernel({
      handlers: [],
      scoped: [
        scoped(A, () => 'a', (v) => void disposed.push(v)),
        scoped(B, () => 'b', (v) => {
          disposed.push(v);
          throw new Error('b would not close');
        }),
        scoped(C, () => 'c', async (v) => {
          await sleep(1);
          disposed.push(v);
          throw new Error('c would not close');
        }),
      ],
    });
    k.queries.register(Ask, UsesThree);
    const error = await k.queries.execute(new Ask()).catch((e: unknown) => e);
    expect(disposed).toEqual(['c', 'b', 'a']);
    expect(isKernelError(error, 'SCOPE_DISPOSE_FAILED')).toBe(true);
    expect((error as Error).message).toBe('The dispatch succeeded but 2 scoped service(s) failed to dispose: c would not close; b would not close');
    expect(((error as Error).cause as Error).message).toBe('c would not close');
  });

  it('leaves the handler’s own error as the dispatch’s error when disposing fails too, and says the scope failed', async () => {
    const outcomes: ScopeOutcome[] = [];
    const k = kernel({
      handlers: [],
      scoped: [
        scoped(A, () => 'a', (_v, outcome) => {
          outcomes.push(outcome);
          throw new Error('close failed');
        }),
      ],
    });
    const boom = new KernelError('PROVIDER_ERROR', 'handler failed');
    class Fails {
      constructor(@Inject(A) readonly a: string) {}
      handle(): never {
        throw boom;
      }
    }
    k.queries.register(Ask, Fails);
    await expect(k.queries.execute(new Ask())).rejects.toBe(boom);
    expect(outcomes).toEqual([{ failed: true, error: boom }]);
  });

  it('disposes the services created before one that could not be created', async () => {
    const disposed: string[] = [];
    const k = kernel({
      handlers: [],
      scoped: [
        scoped(A, () => 'a', (v) => void disposed.push(v)),
        scoped(B, async () => {
          await sleep(1);
          throw new Error('no session');
        }),
        scoped(C, () => 'c', (v) => void disposed.push(v)),
      ],
    });
    k.queries.register(Ask, UsesThree);
    const error = await k.queries.execute(new Ask()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UNRESOLVED_DEPENDENCY', details: { token: 'Token(lifecycle.b)' } });
    expect((error as Error).message).toBe('The scoped service Token(lifecycle.b) could not be created: no session');
    expect(((error as Error).cause as Error).message).toBe('no session');
    expect(disposed).toEqual(['a']);
  });

  it('waits for a service still being created by work the handler did not await, and disposes it', async () => {
    const disposed: string[] = [];
    const k = kernel({ handlers: [], scoped: [scoped(A, async () => (await sleep(10), 'late a'), (v) => void disposed.push(v))] });
    k.queries.register(Ask, NeedsA);
    let nested: Promise<string> | undefined;
    k.queries.register(Top, { handle: () => ((nested = k.queries.execute(new Ask())), 'top done') });
    await expect(k.queries.execute(new Top())).resolves.toBe('top done');
    expect(disposed).toEqual(['late a']);
    await nested?.catch(() => undefined);
  });

  it('refuses a scoped service to anything that asks after the scope ended, and still resolves the container’s own bindings', async () => {
    let kept: ScopedServiceContext | undefined;
    const PLAIN = new Token<string>('lifecycle.plain');
    const k = kernel({ handlers: [], scoped: [scoped(A, (context) => ((kept = context), 'a')), scoped(B, () => 'b')] });
    k.container.set(PLAIN, 'plain');
    k.queries.register(Ask, NeedsA);
    await k.queries.execute(new Ask());
    const error = await kept!.get(B).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SCOPE_ENDED', details: { token: 'Token(lifecycle.b)' } });
    expect((error as Error).message).toBe('Token(lifecycle.b) was asked for after the dispatch that owns its scope ended. Await nested work inside the handler, or dispatch it on its own.');
    await expect(kept!.get(PLAIN)).resolves.toBe('plain');
  });

  it('gives a dispatch or a publish started after its parent’s scope ended a scope of its own', async () => {
    let serial = 0;
    const disposed: string[] = [];
    const heard: string[] = [];
    const k = kernel({ handlers: [], scoped: [scoped(A, () => `a${++serial}`, (v) => void disposed.push(v))] });
    k.queries.register(Ask, NeedsA);
    class Hears {
      constructor(@Inject(A) readonly a: string) {}
      handle(): void {
        heard.push(this.a);
      }
    }
    k.events.register('Late', Hears);
    let late: Promise<unknown> | undefined;
    let started: () => void = () => undefined;
    const lateStarted = new Promise<void>((resolve) => (started = resolve));
    k.queries.register(Top, {
      handle: () => {
        setTimeout(() => ((late = Promise.all([k.queries.execute(new Ask()), k.events.publish({ type: 'Late' })])), started()), 5);
        return k.queries.execute(new Ask());
      },
    });
    await expect(k.queries.execute(new Top())).resolves.toBe('a1');
    await lateStarted;
    await expect(late).resolves.toEqual(['a2', { delivered: 1, failed: [] }]);
    expect(heard).toEqual(['a3']);
    expect(disposed).toEqual(['a1', 'a2', 'a3']);
  });

  it('refuses with SCOPE_ENDED a handler built after its dispatch ended, also when the service it needs was created (and disposed) before', async () => {
    const disposed: string[] = [];
    const heard: string[] = [];
    const k = kernel({ handlers: [], scoped: [scoped(A, () => 'a', (v) => void disposed.push(v))] });
    k.events.register('Slow', { handle: async () => void (await sleep(5)) });
    class LateListener {
      constructor(@Inject(A) readonly a: string) {}
      handle(): void {
        heard.push(this.a);
      }
    }
    k.events.register('Late', LateListener);
    let publishing: Promise<{ delivered: number; failed: { error: unknown }[] }> | undefined;
    class Publishes {
      constructor(@Inject(A) readonly a: string) {}
      handle(): string {
        // Not awaited: 'Late' is delivered after 'Slow', once this dispatch ended and disposed A.
        publishing = k.events.publish([{ type: 'Slow' }, { type: 'Late' }]);
        return this.a;
      }
    }
    k.queries.register(Top, Publishes);
    await expect(k.queries.execute(new Top())).resolves.toBe('a');
    const report = await publishing!;
    expect(disposed).toEqual(['a']);
    expect(heard).toEqual([]);
    expect(report.delivered).toBe(1);
    expect(report.failed).toHaveLength(1);
    expect(report.failed[0]!.error).toMatchObject({ code: 'SCOPE_ENDED', details: { token: 'Token(lifecycle.a)' } });
  });

  it('tells the services of an event published outside any dispatch that a handler failed', async () => {
    const outcomes: ScopeOutcome[] = [];
    const k = kernel({ handlers: [], scoped: [scoped(A, () => 'a', (_v, outcome) => void outcomes.push(outcome))] });
    const failure = new Error('listener failed');
    class Listener {
      constructor(@Inject(A) readonly a: string) {}
      handle(): never {
        throw failure;
      }
    }
    k.events.register('Happened', Listener);
    const report = await k.events.publish({ type: 'Happened' });
    expect(report.failed).toHaveLength(1);
    expect(outcomes).toEqual([{ failed: true, error: failure }]);
    await k.events.publish([]);
    expect(outcomes).toHaveLength(1);
  });

  it('disposes a value by its own asyncDispose, else dispose symbol, else dispose() method, and only the first it has', async () => {
    const calls: string[] = [];
    const withAll = { [Symbol.asyncDispose]: async () => void calls.push('async'), [Symbol.dispose]: () => void calls.push('sync'), dispose: () => void calls.push('method 1') };
    const withSync = { [Symbol.dispose]: () => void calls.push('sync 2'), dispose: () => void calls.push('method 2') };
    const withMethod = { dispose: () => void calls.push('method 3') };
    const k = kernel({ handlers: [], scoped: [scoped(A, () => withAll as never), scoped(B, () => withSync as never), scoped(C, () => withMethod as never)] });
    k.queries.register(Ask, UsesThree);
    await k.queries.execute(new Ask());
    expect(calls).toEqual(['method 3', 'sync 2', 'async']);
  });

  it('disposes in reverse order of when each value came to exist: a value created at once before one still being awaited', async () => {
    const disposed: string[] = [];
    const k = kernel({
      handlers: [],
      scoped: [
        scoped(A, async () => 'a', (v) => void disposed.push(v)),
        scoped(B, () => ({ name: 'b' }) as never, (v) => void disposed.push((v as unknown as { name: string }).name)),
        scoped(
          C,
          async (context) => {
            await Promise.all([context.get(A), context.get(B)]);
            return 'c';
          },
          (v) => void disposed.push(v),
        ),
      ],
    });
    class NeedsC {
      constructor(@Inject(C) readonly c: string) {}
      handle(): string {
        return this.c;
      }
    }
    k.queries.register(Ask, NeedsC);
    await expect(k.queries.execute(new Ask())).resolves.toBe('c');
    // B existed as soon as it was asked for; A only once its promise settled.
    expect(disposed).toEqual(['c', 'a', 'b']);
  });

  it('disposes nothing for a null or undefined value, and a function value by its own dispose method', async () => {
    const calls: string[] = [];
    const disposable = Object.assign(() => 'callable', { dispose: () => void calls.push('function disposed') });
    const k = kernel({ handlers: [], scoped: [scoped(A, () => null as never), scoped(B, () => undefined as never), scoped(C, () => disposable as never)] });
    k.queries.register(Ask, UsesThree);
    await expect(k.queries.execute(new Ask())).resolves.toBe(',,' + String(disposable));
    expect(calls).toEqual(['function disposed']);
  });

  it('awaits a create() that returns a thenable function', async () => {
    const thenable = Object.assign(() => undefined, { then: (resolve: (value: string) => void) => resolve('settled a') });
    const k = kernel({ handlers: [], scoped: [scoped(A, () => thenable as never)] });
    class SeesA {
      constructor(@Inject(A) readonly a: unknown) {}
      handle(): string {
        return `${typeof this.a} ${String(this.a)}`;
      }
    }
    k.queries.register(Ask, SeesA);
    await expect(k.queries.execute(new Ask())).resolves.toBe('string settled a');
  });
});
