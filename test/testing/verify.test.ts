// A host factory verifies the wiring of every handler, the host's included, and tells the host
// the fix for the factory it actually called.
import 'reflect-metadata';
import { Token } from 'typedi';
import { afterEach, describe, expect, it } from 'vitest';
import { createHostFactory, type HostFactory } from '../../src/application/host-factory';
import { CreateTemplate } from '../../src/application/templates/template.commands';
import {
  Command,
  commandHandler,
  createKernel,
  eventHandler,
  isKernelError,
  Query,
  queryHandler,
  type CommandHandler,
  type EventHandler,
  type QueryHandler,
  Inject,
} from '../../src/kernel';
import { createInMemoryStorage, createTestHostFactory, FakeProvider } from '../../src/testing';
import { problemsOf } from '../support/kernels';
import { templateInput } from '../support/templates';

interface Mailer {
  send(text: string): void;
}
const MAILER = new Token<Mailer>('test.mailer');
const PRICES = new Token<Record<string, number>>('test.prices');

class Notify extends Command<void> {}
@commandHandler(Notify)
class NotifyHandler implements CommandHandler<Notify> {
  constructor(@Inject(MAILER) private readonly mailer: Mailer) {}
  handle(): void {
    this.mailer.send('hello');
  }
}

class PriceOf extends Query<number> {}
@queryHandler(PriceOf)
class PriceOfHandler implements QueryHandler<PriceOf> {
  constructor(@Inject(PRICES) private readonly prices: Record<string, number>) {}
  handle(): number {
    return this.prices.small ?? 0;
  }
}

@eventHandler('TemplateCreated')
class MailOnTemplate implements EventHandler {
  constructor(@Inject(MAILER) private readonly mailer: Mailer) {}
  handle(event: { type: string }): void {
    this.mailer.send(event.type);
  }
}

const HOST_HANDLERS = [NotifyHandler, PriceOfHandler, MailOnTemplate];

const open: { dispose(): void }[] = [];
afterEach(() => {
  while (open.length > 0) open.pop()?.dispose();
});
function track<T extends { dispose(): void }>(value: T): T {
  open.push(value);
  return value;
}


type Handlers = readonly (new (...args: never[]) => unknown)[] | 'decorated';
const hostFactory = (handlers?: Handlers): HostFactory =>
  createHostFactory({ storage: createInMemoryStorage(), provider: new FakeProvider(), ...(handlers ? { handlers } : {}) });
const testHostFactory = (handlers?: Handlers): HostFactory => createTestHostFactory(handlers ? { handlers } : {});
const factories: [string, (handlers?: Handlers) => HostFactory][] = [
  ['createHostFactory', hostFactory],
  ['createTestHostFactory', testHostFactory],
];

describe.each(factories)('%s(...).verify()', (factory, create) => {
  it('passes with the use cases alone', () => {
    expect(problemsOf(track(create()))).toEqual([]);
  });

  it('reports every unresolved dependency of the host’s command, query and event handlers', () => {
    const hf = track(create(HOST_HANDLERS));
    const problems = problemsOf(hf);
    expect(problems).toEqual([
      expect.objectContaining({ code: 'UNRESOLVED_DEPENDENCY', handler: 'NotifyHandler', parameter: 0, token: 'Token(test.mailer)' }),
      expect.objectContaining({ code: 'UNRESOLVED_DEPENDENCY', handler: 'PriceOfHandler', parameter: 0, token: 'Token(test.prices)' }),
      expect.objectContaining({ code: 'UNRESOLVED_DEPENDENCY', handler: 'MailOnTemplate', parameter: 0, token: 'Token(test.mailer)' }),
    ]);
    expect(problems[0]?.message).toContain("not bound in this host factory's container");
    hf.container.set(MAILER, { send() {} });
    hf.container.set(PRICES, { small: 3 });
    expect(problemsOf(hf)).toEqual([]);
  });

  it(`names ${factory}({ handlers }) in HANDLER_NOT_FOUND`, async () => {
    const error = await track(create()).commands.execute(new Notify()).catch((e: unknown) => e);
    expect(isKernelError(error, 'HANDLER_NOT_FOUND')).toBe(true);
    expect((error as Error).message).toBe(
      `No command handler for Notify. List its @commandHandler class in ${factory}({ handlers: [...] }), or register one with hf.commands.register(Notify, handler).`,
    );
    const query = await track(create()).queries.execute(new PriceOf()).catch((e: unknown) => e);
    expect((query as Error).message).toContain(`${factory}({ handlers: [...] })`);
  });

  it(`refuses an undecorated class listed in ${factory}({ handlers }), naming that call`, () => {
    class Plain {}
    expect(() => create([Plain])).toThrow(`Plain is listed in ${factory}({ handlers }) but has no @commandHandler, @queryHandler or @eventHandler decorator.`);
  });

  it('fails an event handler that cannot be built with UNRESOLVED_DEPENDENCY, reported to onEventError', async () => {
    const seen: unknown[] = [];
    const hf = track(
      factory === 'createHostFactory'
        ? createHostFactory({ storage: createInMemoryStorage(), provider: new FakeProvider(), handlers: [MailOnTemplate], onEventError: (e) => seen.push(e) })
        : createTestHostFactory({ handlers: [MailOnTemplate], onEventError: (e) => seen.push(e) }),
    );
    await hf.commands.execute(CreateTemplate.from({ template: templateInput() }));
    await hf.catchUp();
    expect(seen).toHaveLength(1);
    expect(isKernelError(seen[0], 'UNRESOLVED_DEPENDENCY')).toBe(true);
    expect(seen[0]).toMatchObject({ details: { handler: 'MailOnTemplate', parameter: 0, token: 'Token(test.mailer)' } });
  });
});

describe('which host handlers a factory takes', () => {
  it('is the same rule for createKernel, createHostFactory and createTestHostFactory given a list: exactly the listed ones', async () => {
    const mailed: string[] = [];
    const mailer = { send: (text: string) => void mailed.push(text) };
    const kernel = track(createKernel({ handlers: [NotifyHandler] }));
    const hf = track(createHostFactory({ storage: createInMemoryStorage(), provider: new FakeProvider(), handlers: [NotifyHandler] }));
    const test = track(createTestHostFactory({ handlers: [NotifyHandler] }));
    for (const target of [kernel, hf, test]) {
      target.container.set(MAILER, mailer);
      await target.commands.execute(new Notify());
    }
    expect(mailed).toEqual(['hello', 'hello', 'hello']);
    for (const bare of [createKernel({ handlers: [] }), hostFactory(), testHostFactory()]) {
      track(bare);
      const error = await bare.commands.execute(new Notify()).catch((e: unknown) => e);
      expect(isKernelError(error, 'HANDLER_NOT_FOUND')).toBe(true);
    }
  });

  it('without a list: a host factory routes the use cases alone, a plain kernel every decorated handler', async () => {
    const mailed: string[] = [];
    const kernel = track(createKernel());
    kernel.container.set(MAILER, { send: (text: string) => void mailed.push(text) });
    await kernel.commands.execute(new Notify());
    expect(mailed).toEqual(['hello']);
    const all = track(testHostFactory('decorated'));
    all.container.set(MAILER, { send: (text: string) => void mailed.push(text) });
    await all.commands.execute(new Notify());
    expect(mailed).toEqual(['hello', 'hello']);
  });
});
