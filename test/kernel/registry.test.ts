import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { Command, commandHandler, eventHandler, Inject, type KernelError, Query, queryHandler } from '../../src/kernel';
import { createTestHostFactory } from '../../src/testing';
import { disposedAfterEach } from '../support/kernels';

// What the handler decorators record about a class: each distinct claim once, whatever the order
// and however often the class is decorated. Event types and message classes are this file's own,
// so no other kernel of the process routes them.

const kernel = disposedAfterEach();

class Open extends Command<string> {}
class Close extends Command<string> {}

describe('the record of decorated classes', () => {
  it('keeps one claim for an event type a class is decorated for again: it is delivered once per event', async () => {
    class Audit {
      handle() {}
    }
    eventHandler('registry.Opened')(Audit);
    eventHandler('registry.Closed')(Audit);
    eventHandler('registry.Opened')(Audit);
    const k = kernel({ handlers: [Audit] });
    await expect(k.events.publish([{ type: 'registry.Opened' }, { type: 'registry.Closed' }])).resolves.toEqual({ delivered: 2, failed: [] });
  });

  it('keeps every different claim of one class: two commands, a query of the same message class, two event types', async () => {
    class Desk {
      handle() {
        return 'desk';
      }
    }
    commandHandler(Open)(Desk);
    commandHandler(Close)(Desk);
    // The same message class claimed as a query is another claim.
    queryHandler(Open as unknown as new () => Query<string>)(Desk);
    eventHandler('registry.DeskOpened')(Desk as never);
    eventHandler('registry.DeskClosed')(Desk as never);
    const k = kernel({ handlers: [Desk] });
    await expect(k.commands.execute(new Open())).resolves.toBe('desk');
    await expect(k.commands.execute(new Close())).resolves.toBe('desk');
    await expect(k.queries.execute(new Open() as unknown as Query<string>)).resolves.toBe('desk');
    await expect(k.events.publish([{ type: 'registry.DeskOpened' }, { type: 'registry.DeskClosed' }])).resolves.toEqual({ delivered: 2, failed: [] });
  });

  it('keeps a durable claim and an in-process claim of one event type apart, in either order', async () => {
    class DurableFirst {
      handle() {}
    }
    eventHandler('registry.Shipped', { durable: { name: 'registry-durable-first' } })(DurableFirst);
    eventHandler('registry.Shipped')(DurableFirst);
    class InProcessFirst {
      handle() {}
    }
    eventHandler('registry.Shipped')(InProcessFirst);
    eventHandler('registry.Shipped', { durable: { name: 'registry-in-process-first' } })(InProcessFirst);
    const k = kernel({ handlers: [DurableFirst, InProcessFirst] });
    await expect(k.events.publish({ type: 'registry.Shipped' })).resolves.toEqual({ delivered: 2, failed: [] });
    const hf = createTestHostFactory({ handlers: [DurableFirst, InProcessFirst] });
    try {
      expect(hf.processors.list().map((p) => p.name)).toEqual(['registry-durable-first', 'registry-in-process-first']);
    } finally {
      hf.dispose();
    }
  });

  it('accepts the same { inject } list again and a decorator without one, and refuses a list that differs in length or in a token', () => {
    class Teller {
      handle() {
        return 'teller';
      }
    }
    commandHandler(Open, { inject: ['registry.a', 'registry.b'] })(Teller);
    expect(() => commandHandler(Open, { inject: ['registry.a', 'registry.b'] })(Teller)).not.toThrow();
    expect(() => commandHandler(Close)(Teller)).not.toThrow();
    const refusal = (inject: string[]) => {
      try {
        commandHandler(Close, { inject })(Teller);
      } catch (error) {
        return error as KernelError;
      }
      throw new Error('not refused');
    };
    for (const inject of [['registry.a', 'registry.b', 'registry.c'], ['registry.a', 'registry.c']]) {
      expect(refusal(inject)).toMatchObject({
        code: 'INVALID_HANDLER',
        message: 'Teller is given two different { inject } lists by its decorators. Give the constructor\'s tokens once.',
        details: { handler: 'Teller' },
      });
    }
  });
});

class Clock {
  now(): string {
    return 'noon';
  }
}

class ReadClock extends Query<string> {}

class ReadClockHandler {
  constructor(@Inject(Clock) private readonly clock: Clock) {}
  handle(): string {
    return this.clock.now();
  }
}

describe('@Inject()', () => {
  it('takes a class as the token itself, never as a function returning one', async () => {
    const k = kernel({ handlers: [] });
    k.queries.register(ReadClock, ReadClockHandler);
    await expect(k.queries.execute(new ReadClock())).resolves.toBe('noon');
  });
});
