// How a kernel builds handler classes: the kernel's @Inject, typedi's @Service and emitted parameter types, in
// the kernel's own container, with nothing written to typedi's global container.
import 'reflect-metadata';
import { IsString } from 'class-validator';
import { Container, Service, Token } from 'typedi';
import { describe, expect, it } from 'vitest';
import {
  Command,
  COMMAND_BUS,
  commandHandler,
  eventHandler,
  isKernelError,
  type CommandHandler,
  type EventHandler,
  type Kernel,
  Inject,
} from '../../src/kernel';
import { disposedAfterEach, problemsOf } from '../support/kernels';
import { GREETER, type Greeter } from './fixtures';

/** A dependency typedi resolves by class: TypeScript emits its type in design:paramtypes. */
@Service()
class Ledger {
  readonly lines: string[] = [];
}

/** A class no container knows (no @Service, never bound). */
class Unbound {}

class Record extends Command<number> {
  @IsString()
  line!: string;
}

@commandHandler(Record)
class RecordHandler implements CommandHandler<Record> {
  constructor(private readonly ledger: Ledger) {}
  handle(command: Record): number {
    return this.ledger.lines.push(command.line);
  }
}

class Salute extends Command<string> {}

@commandHandler(Salute)
class SaluteHandler implements CommandHandler<Salute> {
  constructor(
    private readonly ledger: Ledger,
    @Inject(GREETER) private readonly greeter: Greeter,
  ) {}
  handle(): string {
    return this.greeter.greet(`#${this.ledger.lines.length}`);
  }
}

const kernel = disposedAfterEach();

describe('building handlers', () => {
  it('resolves a constructor parameter from its emitted type (a typedi @Service class)', async () => {
    const k = kernel({ handlers: [RecordHandler] });
    expect(problemsOf(k)).toEqual([]);
    await k.commands.execute(Record.from({ line: 'a' }));
    await expect(k.commands.execute(Record.from({ line: 'b' }))).resolves.toBe(2);
  });

  it('gives each kernel its own instance of a @Service dependency', async () => {
    const a = kernel({ handlers: [RecordHandler] });
    const b = kernel({ handlers: [RecordHandler] });
    await a.commands.execute(Record.from({ line: 'a' }));
    await expect(b.commands.execute(Record.from({ line: 'b' }))).resolves.toBe(1);
    expect(a.container.get(Ledger)).not.toBe(b.container.get(Ledger));
  });

  it('mixes emitted types and @Inject(token) parameters', async () => {
    const k = kernel({ handlers: [RecordHandler, SaluteHandler] });
    k.container.set(GREETER, { greet: (n: string) => `hi ${n}` });
    expect(problemsOf(k)).toEqual([]);
    await k.commands.execute(Record.from({ line: 'a' }));
    await expect(k.commands.execute(new Salute())).resolves.toBe('hi #1');
  });

  it('builds a handler class that is also a typedi @Service() once per kernel, not in the global container', async () => {
    class Count extends Command<number> {}
    @Service()
    @commandHandler(Count)
    class CountHandler implements CommandHandler<Count> {
      constructor(private readonly ledger: Ledger) {}
      handle(): number {
        return this.ledger.lines.length;
      }
    }
    const a = kernel({ handlers: [RecordHandler, CountHandler] });
    const b = kernel({ handlers: [CountHandler] });
    await a.commands.execute(Record.from({ line: 'a' }));
    await expect(a.commands.execute(new Count())).resolves.toBe(1);
    await expect(b.commands.execute(new Count())).resolves.toBe(0);
    expect(a.container.get(CountHandler)).not.toBe(b.container.get(CountHandler));
  });

  it('lets a handler inject the kernel’s own command bus under COMMAND_BUS', async () => {
    class Twice extends Command<number> {}
    @commandHandler(Twice)
    class TwiceHandler implements CommandHandler<Twice> {
      constructor(@Inject(COMMAND_BUS) private readonly commands: Kernel['commands']) {}
      async handle(): Promise<number> {
        await this.commands.execute(Record.from({ line: 'x' }));
        return this.commands.execute(Record.from({ line: 'y' }));
      }
    }
    const k = kernel({ handlers: [RecordHandler, TwiceHandler] });
    expect(problemsOf(k)).toEqual([]);
    await expect(k.commands.execute(new Twice())).resolves.toBe(2);
  });

  it('fails a dispatch with UNRESOLVED_DEPENDENCY naming the parameter and token, not typedi’s error', async () => {
    const k = kernel({ handlers: [SaluteHandler] });
    const error = await k.commands.execute(new Salute()).catch((e: unknown) => e);
    expect(isKernelError(error, 'UNRESOLVED_DEPENDENCY')).toBe(true);
    expect(error).toMatchObject({ details: { handler: 'SaluteHandler', parameter: 1, token: 'Token(test.greeter)' } });
    expect((error as Error).message).toMatch(/SaluteHandler: constructor parameter #1 needs Token\(test\.greeter\), which is not bound/);
  });
});

describe('kernel.verify() on parameters it cannot resolve', () => {
  it('names an unbound @Inject token with its position, and builds a class no container knows', async () => {
    class Audit extends Command<void> {}
    @commandHandler(Audit)
    class AuditHandler implements CommandHandler<Audit> {
      constructor(
        @Inject(GREETER) readonly greeter: Greeter,
        readonly unbound: Unbound,
      ) {}
      handle() {}
    }
    const problems = problemsOf(kernel({ handlers: [AuditHandler] }));
    expect(problems).toEqual([
      expect.objectContaining({ code: 'UNRESOLVED_DEPENDENCY', handler: 'AuditHandler', parameter: 0, token: 'Token(test.greeter)' }),
    ]);
    // Unbound has no @Service() and is bound nowhere: the kernel builds it, once per kernel, without
    // asking typedi's global container.
    const k = kernel({ handlers: [AuditHandler] });
    k.container.set(GREETER, { greet: () => '' });
    expect(problemsOf(k)).toEqual([]);
    const seen: Unbound[] = [];
    k.commands.register(Audit, { handle: () => void seen.push(k.container.get(AuditHandler).unbound) });
    await k.commands.execute(new Audit());
    await k.commands.execute(new Audit());
    expect(seen[0]).toBeInstanceOf(Unbound);
    expect(seen[1]).toBe(seen[0]);
    expect(Container.has(Unbound)).toBe(false);
  });

  it('explains a parameter typed as an interface, which no container can resolve', () => {
    class Hail extends Command<void> {}
    @commandHandler(Hail)
    class HailHandler implements CommandHandler<Hail> {
      constructor(readonly greeter: Greeter) {}
      handle() {}
    }
    const [problem] = problemsOf(kernel({ handlers: [HailHandler] }));
    expect(problem).toMatchObject({ handler: 'HailHandler', parameter: 0, token: '(no token)' });
    expect(problem?.message).toMatch(/interface, a union or a primitive.*add @Inject\(TOKEN\)/);
  });

  it('explains a class whose parameter metadata the build tool dropped', async () => {
    class Tally extends Command<void> {}
    class TallyHandler implements CommandHandler<Tally> {
      constructor(readonly ledger: Ledger) {}
      handle() {}
    }
    Reflect.deleteMetadata('design:paramtypes', TallyHandler);
    commandHandler(Tally)(TallyHandler);
    const k = kernel({ handlers: [TallyHandler] });
    const [problem] = problemsOf(k);
    expect(problem).toMatchObject({ code: 'UNRESOLVED_DEPENDENCY', handler: 'TallyHandler', parameter: 0 });
    expect(problem?.message).toMatch(/carries no design:paramtypes metadata: the build tool dropped it.*\{ inject: \[TOKEN, …\] \}/);
    const error = await k.commands.execute(new Tally()).catch((e: unknown) => e);
    expect(isKernelError(error, 'UNRESOLVED_DEPENDENCY')).toBe(true);
  });

  it('checks event handlers too', () => {
    @eventHandler('Audited')
    class AuditListener implements EventHandler {
      constructor(@Inject(GREETER) readonly greeter: Greeter) {}
      handle() {}
    }
    expect(problemsOf(kernel({ handlers: [AuditListener] }))).toEqual([
      expect.objectContaining({ handler: 'AuditListener', parameter: 0, token: 'Token(test.greeter)' }),
    ]);
  });
});

describe('global state', () => {
  it('decorating and building handlers writes nothing into typedi’s global container', async () => {
    const k = kernel({ handlers: [RecordHandler, SaluteHandler] });
    k.container.set(GREETER, { greet: () => '' });
    await k.commands.execute(new Salute());
    for (const id of [RecordHandler, SaluteHandler]) expect(Container.has(id as never)).toBe(false);
    expect(Container.has(COMMAND_BUS)).toBe(false);
    expect(Container.has(GREETER)).toBe(false);
  });

  it('importing the library registers none of its use-case handlers in typedi’s global container', async () => {
    const application = await import('../../src/index');
    await import('../../src/testing');
    const handlerClasses = Object.values(application).filter((v) => typeof v === 'function' && /Handler$/.test(v.name));
    const { HOST_FACTORY_HANDLERS } = await import('../../src/application/handlers');
    expect(HOST_FACTORY_HANDLERS.length).toBeGreaterThan(10);
    for (const handler of [...HOST_FACTORY_HANDLERS, ...handlerClasses]) expect(Container.has(handler as never)).toBe(false);
  });

  it('keeps two kernels apart: a handler class is built only in the kernels given it', async () => {
    const a = kernel({ handlers: [RecordHandler] });
    const b = kernel({ handlers: [] });
    await a.commands.execute(Record.from({ line: 'a' }));
    expect(a.container.has(RecordHandler)).toBe(true);
    expect(b.container.has(RecordHandler)).toBe(false);
    const error = await b.commands.execute(Record.from({ line: 'b' })).catch((e: unknown) => e);
    expect(isKernelError(error, 'HANDLER_NOT_FOUND')).toBe(true);
  });

  it('reports a token bound only in typedi’s global container, which typedi 0.10 cannot hand to a kernel', async () => {
    const GLOBAL_GREETER = new Token<Greeter>('test.global-greeter');
    class Wave extends Command<string> {}
    @commandHandler(Wave)
    class WaveHandler implements CommandHandler<Wave> {
      constructor(@Inject(GLOBAL_GREETER) private readonly greeter: Greeter) {}
      handle() {
        return this.greeter.greet('all');
      }
    }
    Container.set(GLOBAL_GREETER, { greet: (n: string) => `hello ${n}` });
    try {
      const k = kernel({ handlers: [WaveHandler] });
      expect(problemsOf(k)).toEqual([expect.objectContaining({ handler: 'WaveHandler', parameter: 0, token: 'Token(test.global-greeter)' })]);
      const error = await k.commands.execute(new Wave()).catch((e: unknown) => e);
      expect(isKernelError(error, 'UNRESOLVED_DEPENDENCY')).toBe(true);
      k.container.set(GLOBAL_GREETER, Container.get(GLOBAL_GREETER));
      expect(problemsOf(k)).toEqual([]);
      await expect(k.commands.execute(new Wave())).resolves.toBe('hello all');
    } finally {
      Container.remove(GLOBAL_GREETER);
    }
  });
});

describe('the kernel’s own @Inject', () => {
  it('takes a class declared further down the file as () => Class', async () => {
    class Count extends Command<number> {}
    @commandHandler(Count)
    class CountHandler implements CommandHandler<Count> {
      constructor(@Inject(() => Counter) private readonly counter: { next(): number }) {}
      handle() {
        return this.counter.next();
      }
    }
    class Counter {
      private n = 0;
      next() {
        return ++this.n;
      }
    }
    const k = kernel({ handlers: [CountHandler] });
    expect(problemsOf(k)).toEqual([]);
    await k.commands.execute(new Count());
    await expect(k.commands.execute(new Count())).resolves.toBe(2);
  });

  it('refuses to decorate anything but a constructor parameter', () => {
    class Holder {
      method(_x: unknown) {}
    }
    expect(() => Inject(GREETER)(Holder.prototype, 'method', 0)).toThrow(/constructor parameter/);
    expect(() => Inject(undefined as never)).toThrow(TypeError);
  });

  it('takes typedi’s own @Inject too, resolving it in the kernel container (verify() finds nothing missing)', async () => {
    const { Inject: TypediInject } = await import('typedi');
    class Shout extends Command<string> {}
    class ShoutHandler implements CommandHandler<Shout> {
      constructor(readonly greeter: Greeter) {}
      handle() {
        return this.greeter.greet('x');
      }
    }
    TypediInject(GREETER)(ShoutHandler, undefined as never, 0);
    Reflect.defineMetadata('design:paramtypes', [Object], ShoutHandler);
    commandHandler(Shout)(ShoutHandler);
    const k = kernel({ handlers: [ShoutHandler] });
    k.container.set(GREETER, { greet: () => 'HEY' });
    expect(problemsOf(k)).toEqual([]);
    await expect(k.commands.execute(new Shout())).resolves.toBe('HEY');
  });
});
