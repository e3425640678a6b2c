import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { Command, commandHandler, eventHandler, Query, queryHandler, type CommandHandler, type QueryHandler } from '../../src/kernel';
import { disposedAfterEach } from '../support/kernels';

// What the handler decorators record, and how @eventHandler reads its options.

/** The claims recorded for `handler` in the registry every copy of the package (ESM and CJS) shares. */
function claimsOf(handler: object): unknown {
  const registry = (globalThis as Record<symbol, { classes: Map<object, { claims: unknown }> } | undefined>)[Symbol.for('hostfactory-kernel.registry.v2')];
  return registry?.classes.get(handler)?.claims;
}

const kernel = disposedAfterEach();

describe('handler decorators', () => {
  it('record in the registry shared by every copy of the package the kind and message of a command or query handler, and an event handler’s types and durable settings', () => {
    class Stamp extends Command<void> {}
    class Look extends Query<number> {}
    @commandHandler(Stamp)
    class StampHandler implements CommandHandler<Stamp> {
      handle() {}
    }
    @queryHandler(Look)
    class LookHandler implements QueryHandler<Look> {
      handle() {
        return 1;
      }
    }
    @eventHandler('DecoratorsTest.Stamped', 'DecoratorsTest.Looked', { durable: { partitions: 2 } })
    class StampProjection {
      handle() {}
    }
    expect(claimsOf(StampHandler)).toEqual([{ kind: 'command', handler: StampHandler, message: Stamp }]);
    expect(claimsOf(LookHandler)).toEqual([{ kind: 'query', handler: LookHandler, message: Look }]);
    expect(claimsOf(StampProjection)).toEqual([{ kind: 'event', handler: StampProjection, eventTypes: ['DecoratorsTest.Stamped', 'DecoratorsTest.Looked'], durable: { partitions: 2 } }]);
  });
});

describe('@eventHandler options', () => {
  it('take an undefined or null last argument as no options', async () => {
    const heard: string[] = [];
    class UndefinedOptions {
      handle() {
        heard.push('undefined');
      }
    }
    class NullOptions {
      handle() {
        heard.push('null');
      }
    }
    eventHandler('DecoratorsTest.Optional', undefined as never)(UndefinedOptions);
    eventHandler('DecoratorsTest.Optional', null as never)(NullOptions);
    const k = kernel({ handlers: [UndefinedOptions, NullOptions] });
    await expect(k.events.publish({ type: 'DecoratorsTest.Optional' })).resolves.toEqual({ delivered: 2, failed: [] });
    expect(heard).toEqual(['undefined', 'null']);
  });

  it('leave a handler in-process when durable is false, null or absent, and take it out of a plain kernel with durable: true', async () => {
    const heard: string[] = [];
    const listener = (name: string) =>
      class {
        handle() {
          heard.push(name);
        }
      };
    const durable = listener('durable');
    const notDurable = listener('false');
    const nullDurable = listener('null');
    const absent = listener('absent');
    eventHandler('DecoratorsTest.Durable', { durable: true })(durable);
    eventHandler('DecoratorsTest.Durable', { durable: false })(notDurable);
    eventHandler('DecoratorsTest.Durable', { durable: null as never })(nullDurable);
    eventHandler('DecoratorsTest.Durable', {})(absent);
    const k = kernel({ handlers: [durable, notDurable, nullDurable, absent] });
    await expect(k.events.publish({ type: 'DecoratorsTest.Durable' })).resolves.toEqual({ delivered: 3, failed: [] });
    expect(heard).toEqual(['false', 'null', 'absent']);
  });
});
