import 'reflect-metadata';
import { describe, expect, it, vi } from 'vitest';
import { createKernel, isKernelError, type EventDelivery, type Kernel } from '../../src/kernel';
import { disposedAfterEach } from '../support/kernels';

const kernel = disposedAfterEach();
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

/** A kernel with four 'Job' handlers: #1 fails, the others record when they start and end. */
function withHandlers(k: Kernel) {
  const log: string[] = [];
  let running = 0;
  let peak = 0;
  for (const id of [0, 1, 2, 3]) {
    const handler = {
      async handle(event: { type: string; n: number }) {
        running++;
        peak = Math.max(peak, running);
        log.push(`start ${id}/${event.n}`);
        await tick();
        running--;
        if (id === 1) throw new Error(`handler 1 failed on ${event.n}`);
        log.push(`end ${id}/${event.n}`);
      },
    };
    Object.defineProperty(handler, 'constructor', { value: { name: `Handler${id}` } });
    k.events.register('Job', handler);
  }
  return { log, peak: () => peak };
}

const jobs = [
  { type: 'Job', n: 1 },
  { type: 'Job', n: 2 },
];

describe('event delivery strategies', () => {
  it('sequential (the default): every handler runs, one at a time, and every failure is reported', async () => {
    const onEventError = vi.fn();
    const k = kernel({ handlers: [], onEventError });
    const { log, peak } = withHandlers(k);
    const report = await k.events.publish(jobs);
    expect(report.delivered).toBe(6);
    expect(report.failed.map((f) => [f.handler, (f.error as Error).message])).toEqual([
      ['Handler1', 'handler 1 failed on 1'],
      ['Handler1', 'handler 1 failed on 2'],
    ]);
    expect(peak()).toBe(1);
    expect(log.slice(0, 4)).toEqual(['start 0/1', 'end 0/1', 'start 1/1', 'start 2/1']);
    expect(onEventError).toHaveBeenCalledTimes(2);
  });

  it('{ parallel: n }: every handler runs, at most n at once, with the same report and isolation', async () => {
    const onEventError = vi.fn();
    const k = kernel({ handlers: [], onEventError, eventDelivery: { parallel: 3 } });
    const { log, peak } = withHandlers(k);
    const report = await k.events.publish(jobs);
    expect(report.delivered).toBe(6);
    expect(report.failed).toHaveLength(2);
    expect(peak()).toBe(3);
    expect(log.slice(0, 3)).toEqual(['start 0/1', 'start 1/1', 'start 2/1']);
    expect(log.filter((l) => l.startsWith('end'))).toHaveLength(6);
    expect(onEventError).toHaveBeenCalledTimes(2);
  });

  it("'stop-at-first-failure': runs sequentially and attempts nothing after the first failing handler", async () => {
    const onEventError = vi.fn();
    const k = kernel({ handlers: [], onEventError, eventDelivery: 'stop-at-first-failure' });
    const { log } = withHandlers(k);
    const report = await k.events.publish(jobs);
    expect(report).toEqual({ delivered: 1, failed: [expect.objectContaining({ handler: 'Handler1', eventType: 'Job' })] });
    expect(log).toEqual(['start 0/1', 'end 0/1', 'start 1/1']);
    expect(onEventError).toHaveBeenCalledTimes(1);
  });

  it('lets one publish choose its own strategy over the kernel’s', async () => {
    const k = kernel({ handlers: [], eventDelivery: 'stop-at-first-failure' });
    const { peak } = withHandlers(k);
    const report = await k.events.publish(jobs, { delivery: { parallel: 8 } });
    expect(report.delivered).toBe(6);
    // Both events' four handlers: all eight deliveries overlap, across events.
    expect(peak()).toBe(8);
  });

  it('refuses an invalid strategy with INVALID_CONFIGURATION, at kernel creation or as the publish’s rejection', async () => {
    for (const bad of [{ parallel: 0 }, { parallel: 1.5 }, 'parallel', null] as unknown as EventDelivery[]) {
      expect(() => createKernel({ handlers: [], eventDelivery: bad })).toThrow(/eventDelivery/);
    }
    const k = kernel({ handlers: [] });
    const error = await k.events.publish({ type: 'Job' }, { delivery: { parallel: -1 } }).catch((e: unknown) => e);
    expect(isKernelError(error, 'INVALID_CONFIGURATION')).toBe(true);
  });

  it('accepts { parallel: 1 }: one delivery at a time, every handler run', async () => {
    const k = kernel({ handlers: [], eventDelivery: { parallel: 1 } });
    const { peak } = withHandlers(k);
    const report = await k.events.publish(jobs);
    expect(report.delivered).toBe(6);
    expect(peak()).toBe(1);
  });

  it('names the option and the value it got when refusing a strategy', async () => {
    const refusal = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return error;
      }
      throw new Error('not refused');
    };
    expect(refusal(() => createKernel({ handlers: [], eventDelivery: { parallel: 0 } }))).toMatchObject({
      code: 'INVALID_CONFIGURATION',
      message: `createKernel({ eventDelivery }) must be 'sequential', 'stop-at-first-failure' or { parallel: n } with n a whole number ≥ 1; got {"parallel":0}.`,
      details: { option: 'createKernel({ eventDelivery })' },
    });
    // A value JSON cannot write is named by its string form.
    expect(refusal(() => createKernel({ handlers: [], eventDelivery: { parallel: 2n } as unknown as EventDelivery }))).toMatchObject({
      message: expect.stringMatching(/; got \[object Object\]\.$/),
    });
    // A function is no options object, whatever it carries.
    expect(refusal(() => createKernel({ handlers: [], eventDelivery: Object.assign(() => undefined, { parallel: 2 }) as unknown as EventDelivery }))).toMatchObject({
      code: 'INVALID_CONFIGURATION',
    });
    const k = kernel({ handlers: [] });
    await expect(k.events.publish({ type: 'Job' }, { delivery: { parallel: -1 } })).rejects.toMatchObject({
      message: expect.stringMatching(/^publish\(\{ delivery \}\) must be .*; got \{"parallel":-1\}\.$/),
      details: { option: 'publish({ delivery })' },
    });
  });

  it('never rejects when a handler throws synchronously, in every strategy', async () => {
    for (const delivery of ['sequential', 'stop-at-first-failure', { parallel: 2 }] as const) {
      const k = kernel({ handlers: [] });
      k.events.register('Boom', {
        handle() {
          throw new Error('sync');
        },
      });
      await expect(k.events.publish({ type: 'Boom' }, { delivery })).resolves.toEqual({ delivered: 0, failed: [expect.objectContaining({ eventType: 'Boom' })] });
    }
  });
});

describe('event delivery limits', () => {
  it('starts no more workers than deliveries, however large the parallel limit', async () => {
    const k = kernel({ handlers: [] });
    const { peak } = withHandlers(k);
    const report = await k.events.publish(jobs, { delivery: { parallel: Number.MAX_SAFE_INTEGER } });
    expect(report.delivered).toBe(6);
    expect(peak()).toBe(8);
  });

  it('skips a null or undefined item of the list in every strategy, never rejecting', async () => {
    for (const delivery of ['sequential', 'stop-at-first-failure', { parallel: 2 }] as const) {
      const k = kernel({ handlers: [] });
      k.events.register('Ok', { handle: () => undefined });
      const list = [null, undefined, { type: 'Ok' }] as unknown as { type: string }[];
      await expect(k.events.publish(list, { delivery })).resolves.toEqual({ delivered: 1, failed: [] });
    }
  });
});
