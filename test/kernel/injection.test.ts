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
    expect(problem?.message).toMatch(/carries no design:paramtypes metadata: the build tool dropped it.*\{ inject: \[TOKEN, …\] \}, or compile with a tool that emits decorator metadata \(tsc with emitDecoratorMetadata\)\.$/);
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

describe('reading constructor parameters', () => {
  it('resolves an @Inject parameter declared with a default value, also without design:paramtypes (kernel’s and typedi’s @Inject)', async () => {
    const { Inject: TypediInject } = await import('typedi');
    const fallback: Greeter = { greet: () => 'fallback' };
    class Hello extends Command<string> {}
    class Goodbye extends Command<string> {}
    class HelloHandler implements CommandHandler<Hello> {
      // A parameter with a default value does not count in HelloHandler.length.
      constructor(@Inject(GREETER) private readonly greeter: Greeter = fallback) {}
      handle() {
        return this.greeter.greet('hello');
      }
    }
    class GoodbyeHandler implements CommandHandler<Goodbye> {
      constructor(private readonly greeter: Greeter = fallback) {}
      handle() {
        return this.greeter.greet('goodbye');
      }
    }
    TypediInject(GREETER)(GoodbyeHandler, undefined as never, 0);
    for (const handler of [HelloHandler, GoodbyeHandler]) Reflect.deleteMetadata('design:paramtypes', handler);
    commandHandler(Hello)(HelloHandler);
    commandHandler(Goodbye)(GoodbyeHandler);
    expect([HelloHandler.length, GoodbyeHandler.length]).toEqual([0, 0]);
    const k = kernel({ handlers: [HelloHandler, GoodbyeHandler] });
    k.container.set(GREETER, { greet: (n: string) => `bound ${n}` });
    await expect(k.commands.execute(new Hello())).resolves.toBe('bound hello');
    await expect(k.commands.execute(new Goodbye())).resolves.toBe('bound goodbye');
  });

  it('explains dropped design:paramtypes also when the class names the token of another parameter', () => {
    class Tally extends Command<void> {}
    class TallyHandler implements CommandHandler<Tally> {
      constructor(
        @Inject(GREETER) readonly greeter: Greeter,
        readonly ledger: Ledger,
      ) {}
      handle() {}
    }
    Reflect.deleteMetadata('design:paramtypes', TallyHandler);
    commandHandler(Tally)(TallyHandler);
    const k = kernel({ handlers: [TallyHandler] });
    k.container.set(GREETER, { greet: () => '' });
    const [problem, ...others] = problemsOf(k);
    expect(others).toEqual([]);
    expect(problem).toMatchObject({ code: 'UNRESOLVED_DEPENDENCY', handler: 'TallyHandler', parameter: 1, token: '(no token)' });
    expect(problem?.message).toMatch(/^TallyHandler: constructor parameter #1 has no injection token, and TallyHandler carries no design:paramtypes metadata/);
  });

  it('ignores typedi’s @Inject on a static property of the handler, which names no constructor parameter', async () => {
    const { Inject: TypediInject } = await import('typedi');
    class Hail extends Command<string> {}
    class HailHandler implements CommandHandler<Hail> {
      static greeter: Greeter | undefined;
      constructor(@Inject(GREETER) private readonly greeter: Greeter) {}
      handle() {
        return this.greeter.greet('all');
      }
    }
    TypediInject(GREETER)(HailHandler, 'greeter', undefined as never);
    commandHandler(Hail)(HailHandler);
    const k = kernel({ handlers: [HailHandler] });
    k.container.set(GREETER, { greet: (n: string) => `hail ${n}` });
    expect(problemsOf(k)).toEqual([]);
    await expect(k.commands.execute(new Hail())).resolves.toBe('hail all');
  });

  it('ignores a typedi handler record without a value function for a constructor parameter', async () => {
    class Wave extends Command<number> {}
    class WaveHandler implements CommandHandler<Wave> {
      constructor(private readonly ledger: Ledger) {}
      handle() {
        return this.ledger.lines.length;
      }
    }
    Reflect.defineMetadata('design:paramtypes', [Ledger], WaveHandler);
    commandHandler(Wave)(WaveHandler);
    const record = { object: WaveHandler, index: 0 } as never;
    Container.registerHandler(record);
    try {
      const k = kernel({ handlers: [WaveHandler] });
      await expect(k.commands.execute(new Wave())).resolves.toBe(0);
    } finally {
      Container.handlers.splice(Container.handlers.indexOf(record), 1);
    }
  });

  it('resolves typedi’s @Inject of a base class for a handler that inherits its constructor', async () => {
    const { Inject: TypediInject } = await import('typedi');
    class Cheer extends Command<string> {}
    class BaseCheerHandler {
      constructor(@TypediInject(GREETER) protected readonly greeter: string[]) {}
    }
    @commandHandler(Cheer)
    class CheerHandler extends BaseCheerHandler implements CommandHandler<Cheer> {
      handle() {
        return this.greeter.join(' ');
      }
    }
    const k = kernel({ handlers: [CheerHandler] });
    k.container.set(GREETER, ['inherited', 'greeter']);
    expect(problemsOf(k)).toEqual([]);
    await expect(k.commands.execute(new Cheer())).resolves.toBe('inherited greeter');
  });

  it('takes a token from design:paramtypes only when the entry is a class', () => {
    class Shout extends Command<void> {}
    class ShoutHandler implements CommandHandler<Shout> {
      constructor(readonly greeter: Greeter) {}
      handle() {}
    }
    Reflect.defineMetadata('design:paramtypes', [GREETER], ShoutHandler);
    commandHandler(Shout)(ShoutHandler);
    const k = kernel({ handlers: [ShoutHandler] });
    k.container.set(GREETER, { greet: () => '' });
    expect(problemsOf(k)).toEqual([expect.objectContaining({ handler: 'ShoutHandler', parameter: 0, token: '(no token)' })]);
  });

  it('builds handlers from their { inject } tokens when reflect-metadata is not loaded', async () => {
    class Echo extends Command<string> {}
    class EchoHandler implements CommandHandler<Echo> {
      constructor(private readonly greeter: Greeter) {}
      handle() {
        return this.greeter.greet('echo');
      }
    }
    commandHandler(Echo, { inject: [GREETER] })(EchoHandler);
    const k = kernel({ handlers: [EchoHandler], validation: false });
    k.container.set(GREETER, { greet: (n: string) => `${n}!` });
    const reflect = Reflect as { getMetadata?: unknown };
    const getMetadata = reflect.getMetadata;
    delete reflect.getMetadata;
    try {
      expect(problemsOf(k)).toEqual([]);
      await expect(k.commands.execute(new Echo())).resolves.toBe('echo!');
    } finally {
      reflect.getMetadata = getMetadata;
    }
  });
});

describe('naming tokens', () => {
  it('names a typedi Token without a name Token(unnamed)', () => {
    const UNNAMED = new Token<Greeter>();
    class Nod extends Command<void> {}
    class NodHandler implements CommandHandler<Nod> {
      constructor(@Inject(UNNAMED) readonly greeter: Greeter) {}
      handle() {}
    }
    commandHandler(Nod)(NodHandler);
    expect(problemsOf(kernel({ handlers: [NodHandler] }))).toEqual([expect.objectContaining({ handler: 'NodHandler', parameter: 0, token: 'Token(unnamed)' })]);
  });

  it('names a class without a name (anonymous class)', () => {
    const Anonymous = (() => class {})();
    expect(Anonymous.name).toBe('');
    const k = kernel({ handlers: [], scoped: [{ token: Anonymous, create: () => new Anonymous() }, { token: Anonymous, create: () => new Anonymous() }] });
    expect(problemsOf(k)).toEqual([
      { code: 'INVALID_SCOPED_SERVICE', handler: 'scoped service #1', message: 'scoped service #1 ((anonymous class)) is declared twice; declare each scoped token once.' },
    ]);
  });
});

describe('resolving dependencies typedi builds', () => {
  it('lets typedi build a @Service() dependency, with the factory it declares', async () => {
    class Clock {
      constructor(readonly source: string) {}
    }
    Service({ factory: () => new Clock('typedi factory') })(Clock);
    class Tick extends Command<string> {}
    @commandHandler(Tick)
    class TickHandler implements CommandHandler<Tick> {
      constructor(private readonly clock: Clock) {}
      handle() {
        return this.clock.source;
      }
    }
    const k = kernel({ handlers: [TickHandler] });
    await expect(k.commands.execute(new Tick())).resolves.toBe('typedi factory');
  });

  it('passes on the error of a @Service() dependency that fails to build, unchanged', async () => {
    const failure = new Error('no clock here');
    class Clock {
      readonly source = 'kernel';
    }
    Service({
      factory: () => {
        throw failure;
      },
    })(Clock);
    class Tick extends Command<string> {}
    @commandHandler(Tick)
    class TickHandler implements CommandHandler<Tick> {
      constructor(private readonly clock: Clock) {}
      handle() {
        return this.clock.source;
      }
    }
    const k = kernel({ handlers: [TickHandler] });
    await expect(k.commands.execute(new Tick())).rejects.toBe(failure);
  });

  it('fails with UNRESOLVED_DEPENDENCY naming the handler’s parameter, with typedi’s error as cause, when a @Service() dependency lacks a binding', async () => {
    const { Inject: TypediInject } = await import('typedi');
    const MISSING = new Token<string>('test.missing');
    @Service()
    class Clock {
      constructor(@TypediInject(MISSING) readonly zone: string) {}
    }
    class Tick extends Command<string> {}
    @commandHandler(Tick)
    class TickHandler implements CommandHandler<Tick> {
      constructor(private readonly clock: Clock) {}
      handle() {
        return this.clock.zone;
      }
    }
    const k = kernel({ handlers: [TickHandler] });
    const error = await k.commands.execute(new Tick()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UNRESOLVED_DEPENDENCY', details: { handler: 'TickHandler', parameter: 0, token: 'Clock' } });
    expect((error as Error).message).toMatch(/^TickHandler: constructor parameter #0 could not be built: Service with "Token<test.missing>" identifier was not found/);
    expect((error as Error).cause).toMatchObject({ name: 'ServiceNotFoundError' });
  });

  it('builds a class bound nowhere once per kernel, shared by every handler that needs it', async () => {
    class Tally {
      readonly lines: string[] = [];
    }
    class First extends Command<number> {}
    class Second extends Command<number> {}
    @commandHandler(First)
    class FirstHandler implements CommandHandler<First> {
      constructor(private readonly tally: Tally) {}
      handle() {
        return this.tally.lines.push('first');
      }
    }
    @commandHandler(Second)
    class SecondHandler implements CommandHandler<Second> {
      constructor(private readonly tally: Tally) {}
      handle() {
        return this.tally.lines.push('second');
      }
    }
    const k = kernel({ handlers: [FirstHandler, SecondHandler] });
    await expect(k.commands.execute(new First())).resolves.toBe(1);
    await expect(k.commands.execute(new Second())).resolves.toBe(2);
  });

  it('says “this kernel’s container” for a handler class given to register() that needs an unbound token', async () => {
    class Hail extends Command<void> {}
    class HailHandler implements CommandHandler<Hail> {
      constructor(@Inject(GREETER) readonly greeter: Greeter) {}
      handle() {}
    }
    const k = kernel({ handlers: [] });
    k.commands.register(Hail, HailHandler);
    const error = await k.commands.execute(new Hail()).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      "HailHandler: constructor parameter #0 needs Token(test.greeter), which is not bound in this kernel's container; bind it with container.set(Token(test.greeter), value) before the first dispatch.",
    );
  });
});
