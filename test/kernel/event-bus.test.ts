import 'reflect-metadata';
import { describe, expect, it, vi } from 'vitest';
import { createKernel, eventHandler, type EventHandler, Inject } from '../../src/kernel';
import { GREETER, type Greeter } from './fixtures';

interface MachineStarted {
  type: 'MachineStarted';
  machineId: string;
}

const seen: string[] = [];

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
