import { Token } from 'typedi';
import { describe, expectTypeOf, it } from 'vitest';
import { createHostFactory } from '../../src/application/host-factory';
import {
  createKernel,
  Inject,
  scoped,
  type EventDelivery,
  type KernelOptions,
  type PublishReport,
  type ScopedService,
  type ScopedServiceContext,
  type ScopeOutcome,
} from '../../src/kernel';
import { createTestHostFactory } from '../../src/testing';

interface Caller {
  userId: string;
}
const CALLER = new Token<Caller>('caller');
class RequestLog {
  lines: string[] = [];
}
class SomeHandler {}

describe('handlers', () => {
  it("takes a list of classes or 'decorated', in every factory", () => {
    expectTypeOf<KernelOptions['handlers']>().toEqualTypeOf<readonly (new (...args: any[]) => unknown)[] | 'decorated' | undefined>();
    createKernel();
    createKernel({ handlers: [SomeHandler] });
    createKernel({ handlers: 'decorated' });
    createTestHostFactory({ handlers: 'decorated' });
    // @ts-expect-error only 'decorated' is a word the option knows
    createKernel({ handlers: 'all' });
    // @ts-expect-error a list holds classes
    createTestHostFactory({ handlers: [{}] });
  });
});

describe('event delivery', () => {
  it('takes the three strategies, per kernel and per publish, and reports the same shape', () => {
    const strategies: EventDelivery[] = ['sequential', 'stop-at-first-failure', { parallel: 4 }];
    void strategies;
    const kernel = createKernel({ eventDelivery: { parallel: 2 } });
    expectTypeOf(kernel.events.publish({ type: 'X' }, { delivery: 'stop-at-first-failure' })).toEqualTypeOf<Promise<PublishReport>>();
    // @ts-expect-error not a strategy
    createKernel({ eventDelivery: 'parallel' });
    // @ts-expect-error the bound is a number
    void kernel.events.publish({ type: 'X' }, { delivery: { parallel: '4' } });
    void createHostFactory;
  });
});

describe('scoped services', () => {
  it('check create and dispose against the token’s type', () => {
    const caller = scoped(CALLER, (context) => context.metadata.caller as Caller);
    expectTypeOf(caller).toEqualTypeOf<ScopedService<Caller>>();
    scoped(RequestLog, () => new RequestLog(), (log, outcome) => {
      expectTypeOf(log).toEqualTypeOf<RequestLog>();
      expectTypeOf(outcome).toEqualTypeOf<ScopeOutcome>();
    });
    // @ts-expect-error create must build what the token names
    scoped(CALLER, () => 42);
    createKernel({ scoped: [caller, scoped(RequestLog, async () => new RequestLog())] });
  });

  it('give create the dispatch context and other scoped services, asynchronously', () => {
    scoped(RequestLog, async (context) => {
      expectTypeOf(context).toEqualTypeOf<ScopedServiceContext>();
      expectTypeOf(context.correlationId).toEqualTypeOf<string | undefined>();
      expectTypeOf(context.metadata).toEqualTypeOf<Readonly<Record<string, unknown>>>();
      expectTypeOf(context.get(CALLER)).toEqualTypeOf<Promise<Caller>>();
      return new RequestLog();
    });
  });

  it('are asked for with the kernel’s @Inject', () => {
    expectTypeOf(Inject(CALLER)).toBeFunction();
    expectTypeOf(Inject(() => RequestLog)).toBeFunction();
    // @ts-expect-error a number is not a token
    Inject(42);
  });
});
