import 'reflect-metadata';
import { Token } from 'typedi';
import { describe, expect, it, vi } from 'vitest';
import { Command, createKernel, eventHandler, type EventHandler, Inject, scoped, type ScopeOutcome } from '../../src/kernel';
import { disposedAfterEach } from '../support/kernels';
import { GREETER, type Greeter } from './fixtures';

interface MachineStarted {
  type: 'MachineStarted';
  machineId: string;
}

const seen: string[] = [];
const kernel = disposedAfterEach();

@eventHandler('MachineStarted', 'MachineStopped')
class AuditTrail implements EventHandler<MachineStarted> {
  constructor(@Inject(GREETER) private readonly greeter: Greeter) {}
  handle(event: MachineStarted) {
    seen.push(this.greeter.greet(event.type));
  }
}

describe('EventBus.publish()', () => {
  it('delivers to decorated handlers with injected dependencies', async () => {
    seen.length = 0;
    const k = createKernel({ handlers: [AuditTrail] });
    k.container.set(GREETER, { greet: (s: string) => `audit:${s}` });
    const report = await k.events.publish([
      { type: 'MachineStarted', machineId: 'i-1' },
      { type: 'MachineStopped', machineId: 'i-1' },
    ]);
    expect(seen).toEqual(['audit:MachineStarted', 'audit:MachineStopped']);
    expect(report).toEqual({ delivered: 2, failed: [] });
    k.dispose();
  });

  it('runs the handlers of one event one after another, in registration order', async () => {
    const k = createKernel({ handlers: [] });
    const order: string[] = [];
    k.events.register('Tick', {
      async handle() {
        await new Promise((r) => setTimeout(r, 10));
        order.push('slow-first');
      },
    });
    k.events.register('Tick', { handle: () => void order.push('second') });
    await k.events.publish({ type: 'Tick' });
    expect(order).toEqual(['slow-first', 'second']);
    k.dispose();
  });

  it('keeps going past a failing handler, reports it, and never rejects', async () => {
    const onEventError = vi.fn();
    const errorLog = vi.fn();
    const k = createKernel({ handlers: [], onEventError, logger: { debug() {}, info() {}, warn() {}, error: errorLog } });
    const after = vi.fn();
    class Exploding {
      handle(): Promise<void> {
        return Promise.reject(new Error('projection broke'));
      }
    }
    k.events.register('Tick', new Exploding());
    k.events.register('Tick', {
      handle: () => {
        throw new Error('sync failure');
      },
    });
    k.events.register('Tick', { handle: after });
    const report = await k.events.publish([{ type: 'Tick' }, { type: 'Tick' }]);
    expect(after).toHaveBeenCalledTimes(2);
    expect(report.delivered).toBe(2);
    expect(report.failed).toHaveLength(4);
    expect(report.failed[0]).toMatchObject({ handler: 'Exploding', eventType: 'Tick' });
    expect(onEventError).toHaveBeenCalledTimes(4);
    expect(errorLog).toHaveBeenCalledTimes(4);
    k.dispose();
  });

  it('survives an onEventError listener that throws', async () => {
    const k = createKernel({
      handlers: [],
      onEventError: () => {
        throw new Error('listener broke');
      },
    });
    k.events.register('Tick', {
      handle: () => {
        throw new Error('handler broke');
      },
    });
    await expect(k.events.publish({ type: 'Tick' })).resolves.toMatchObject({ delivered: 0 });
    k.dispose();
  });

  it('treats an event nobody handles as delivered to no one, not an error', async () => {
    const k = createKernel({ handlers: [] });
    await expect(k.events.publish({ type: 'Unheard' })).resolves.toEqual({ delivered: 0, failed: [] });
    k.dispose();
  });

  it('reports a handler whose dependencies are missing instead of throwing', async () => {
    const k = createKernel({ handlers: [AuditTrail] });
    const report = await k.events.publish({ type: 'MachineStarted', machineId: 'i-2' });
    expect(report.failed).toHaveLength(1);
    expect(report.failed[0]?.handler).toBe('AuditTrail');
    k.dispose();
  });

  it('keeps explicit registrations to one kernel', async () => {
    const a = createKernel({ handlers: [] });
    const b = createKernel({ handlers: [] });
    const handle = vi.fn();
    a.events.register('Tick', { handle });
    await b.events.publish({ type: 'Tick' });
    expect(handle).not.toHaveBeenCalled();
    a.dispose();
    b.dispose();
  });
});

describe('EventBus registrations', () => {
  it('lists the event types that have a handler, in the order they were first registered', () => {
    const k = kernel({ handlers: [AuditTrail] });
    k.events.register('Tick', { handle: () => undefined });
    k.events.register('MachineStarted', { handle: () => undefined });
    expect(k.events.eventTypes()).toEqual(['MachineStarted', 'MachineStopped', 'Tick']);
  });

  it('names a handler object without a prototype "handler" in its failures', async () => {
    const k = kernel({ handlers: [] });
    const bare = Object.assign(Object.create(null) as object, {
      handle() {
        throw new Error('bare failure');
      },
    });
    k.events.register('Tick', bare);
    const report = await k.events.publish({ type: 'Tick' });
    expect(report.failed.map((f) => f.handler)).toEqual(['handler']);
  });

  it('builds a handler class registered with events.register() once per kernel and reuses it', async () => {
    let built = 0;
    const handled: number[] = [];
    class Counter {
      readonly serial = ++built;
      handle() {
        handled.push(this.serial);
      }
    }
    const k = kernel({ handlers: [] });
    k.events.register('Tick', Counter);
    await k.events.publish([{ type: 'Tick' }, { type: 'Tick' }]);
    await k.events.publish({ type: 'Tick' });
    expect(built).toBe(1);
    expect(handled).toEqual([1, 1, 1]);
  });
});

describe('EventBus failure logging', () => {
  const failing = {
    handle(): never {
      throw new Error('projection broke');
    },
  };
  Object.defineProperty(failing, 'constructor', { value: { name: 'Projection' } });

  it('logs one error line naming the handler, the event type and the error, with no onEventError listener', async () => {
    const error = vi.fn();
    const k = kernel({ handlers: [], logger: { debug() {}, info() {}, warn() {}, error } });
    k.events.register('Tick', failing);
    await k.events.publish({ type: 'Tick' });
    expect(error.mock.calls).toEqual([['event handler Projection failed on Tick', { handler: 'Projection', eventType: 'Tick', error: 'projection broke' }]]);
  });

  it('logs and drops the error of an onEventError listener that throws', async () => {
    const error = vi.fn();
    const k = kernel({
      handlers: [],
      logger: { debug() {}, info() {}, warn() {}, error },
      onEventError: () => {
        throw new Error('listener broke');
      },
    });
    k.events.register('Tick', failing);
    await expect(k.events.publish({ type: 'Tick' })).resolves.toMatchObject({ delivered: 0 });
    expect(error.mock.calls).toEqual([
      ['event handler Projection failed on Tick', { handler: 'Projection', eventType: 'Tick', error: 'projection broke' }],
      ['onEventError threw; its error was dropped', { error: 'listener broke' }],
    ]);
  });
});

const TENANT = new Token<string>('test.event-bus.tenant');

class TenantListener {
  static heard: string[] = [];
  constructor(@Inject(TENANT) private readonly tenant: string) {}
  handle(): void {
    TenantListener.heard.push(this.tenant);
  }
}

class NeedsUnbound {
  constructor(@Inject(TENANT) readonly tenant: string, @Inject('test.event-bus.unbound') readonly missing: unknown) {}
  handle(): void {}
}

class Publish extends Command<void> {}

describe('EventBus with scoped services', () => {
  it('tells each scoped service how a publish made outside any dispatch ended: failed with the first failure, or not', async () => {
    const outcomes: ScopeOutcome[] = [];
    const k = kernel({ handlers: [], scoped: [scoped(TENANT, () => 'acme', (_value, outcome) => void outcomes.push(outcome))] });
    k.events.register('Ok', TenantListener);
    k.events.register('Bad', TenantListener);
    const broken = new Error('listener broke');
    k.events.register('Bad', {
      handle() {
        throw broken;
      },
    });
    await k.events.publish({ type: 'Ok' });
    await k.events.publish({ type: 'Bad' });
    expect(outcomes).toHaveLength(2);
    expect(outcomes[0]).toStrictEqual({ failed: false });
    expect(outcomes[1]).toStrictEqual({ failed: true, error: broken });
  });

  it('opens a scope of its own for a publish made inside a dispatch of another kernel with scoped services', async () => {
    TenantListener.heard = [];
    const other = kernel({ handlers: [], scoped: [scoped(TENANT, () => 'other kernel')] });
    const k = kernel({ handlers: [], scoped: [scoped(TENANT, () => 'this kernel')] });
    k.events.register('Ping', TenantListener);
    other.commands.register(Publish, {
      async handle() {
        await k.events.publish({ type: 'Ping' });
      },
    });
    await other.commands.execute(new Publish());
    expect(TenantListener.heard).toEqual(['this kernel']);
  });

  it('reports a dependency of a scoped handler that is not bound as not bound in this kernel’s container', async () => {
    const k = kernel({ handlers: [], scoped: [scoped(TENANT, () => 'acme')] });
    k.events.register('Ping', NeedsUnbound);
    const report = await k.events.publish({ type: 'Ping' });
    expect((report.failed[0]?.error as Error).message).toContain('"test.event-bus.unbound", which is not bound in this kernel\'s container');
  });

  it('delivers to a handler object as given, even one whose prototype is a class that injects a scoped service', async () => {
    TenantListener.heard = [];
    const k = kernel({ handlers: [], scoped: [scoped(TENANT, () => 'acme')] });
    const derived = Object.assign(Object.create(TenantListener) as object, { handle: () => void TenantListener.heard.push('as given') });
    k.events.register('Ping', derived);
    await expect(k.events.publish({ type: 'Ping' })).resolves.toEqual({ delivered: 1, failed: [] });
    expect(TenantListener.heard).toEqual(['as given']);
  });
});
