import 'reflect-metadata';
import { IsString } from 'class-validator';
import { Container, Token } from 'typedi';
import { describe, expect, it } from 'vitest';
import {
  Command,
  commandHandler,
  createKernel,
  DuplicateHandlerError,
  isKernelError,
  KernelVerificationError,
  LOGGER,
  Query,
  queryHandler,
  type CommandHandler,
  type QueryHandler,
  Inject,
} from '../../src/kernel';
import { disposedAfterEach, problemsOf } from '../support/kernels';
import { CountLetters, Greet, GREETER, type Greeter } from './fixtures';

@commandHandler(Greet)
class GreetHandler implements CommandHandler<Greet> {
  constructor(@Inject(GREETER) private readonly greeter: Greeter) {}
  async handle(command: Greet): Promise<string> {
    return this.greeter.greet(command.name);
  }
}

@queryHandler(CountLetters)
class CountLettersHandler implements QueryHandler<CountLetters> {
  handle(query: CountLetters): number {
    return query.text.length - query.offset;
  }
}

const kernel = disposedAfterEach();

describe('createKernel()', () => {
  it('routes a command to its decorated handler with an injected dependency', async () => {
    const k = kernel({ handlers: [GreetHandler] });
    k.container.set(GREETER, { greet: (n: string) => `hello ${n}` });
    await expect(k.commands.execute(Greet.of('ada'))).resolves.toBe('hello ada');
  });

  it('routes a query to a handler that answers synchronously', async () => {
    const k = kernel({ handlers: [CountLettersHandler] });
    await expect(k.queries.execute(CountLetters.from({ text: 'abcd', offset: 1 }))).resolves.toBe(3);
  });

  it('routes only the handler classes it is given when it has a list', async () => {
    const k = kernel({ handlers: [CountLettersHandler] });
    await expect(k.queries.execute(CountLetters.from({ text: 'ab' }))).resolves.toBe(2);
    const error = await k.commands.execute(Greet.of('x')).catch((e: unknown) => e);
    expect(isKernelError(error, 'HANDLER_NOT_FOUND')).toBe(true);
    expect(k.container.has(GreetHandler)).toBe(false);
  });

  it('routes every decorated handler of the process when it has no list (decorate, create, execute)', async () => {
    const k = kernel();
    k.container.set(GREETER, { greet: (n: string) => `hi ${n}` });
    await expect(k.queries.execute(CountLetters.from({ text: 'ab' }))).resolves.toBe(2);
    await expect(k.commands.execute(Greet.of('ada'))).resolves.toBe('hi ada');
    expect(() => k.verify()).not.toThrow();
  });

  it('rejects HANDLER_NOT_FOUND naming the message and what to do', async () => {
    class Orphan extends Command<void> {}
    const error = await kernel({ handlers: [] }).commands.execute(new Orphan()).catch((e: unknown) => e);
    expect(isKernelError(error, 'HANDLER_NOT_FOUND')).toBe(true);
    expect((error as Error).message).toBe(
      'No command handler for Orphan. List its @commandHandler class in createKernel({ handlers: [...] }), or register one with kernel.commands.register(Orphan, handler).',
    );
    class Unanswered extends Query<number> {}
    const query = await kernel({ handlers: [] }).queries.execute(new Unanswered()).catch((e: unknown) => e);
    expect((query as Error).message).toBe(
      'No query handler for Unanswered. List its @queryHandler class in createKernel({ handlers: [...] }), or register one with kernel.queries.register(Unanswered, handler).',
    );
    // A kernel that takes every decorated handler points at the likely cause: a module not imported yet.
    const everything = await kernel().commands.execute(new Orphan()).catch((e: unknown) => e);
    expect((everything as Error).message).toBe(
      'No command handler for Orphan. This kernel routes every @commandHandler class decorated before it was created: import the module that declares one before calling createKernel(), or register one with kernel.commands.register(Orphan, handler).',
    );
  });

  it('does not answer a query sent as a command', async () => {
    const k = kernel({ handlers: [CountLettersHandler] });
    const error = await k.commands.execute(CountLetters.from({ text: 'a' }) as never).catch((e: unknown) => e);
    expect(isKernelError(error, 'HANDLER_NOT_FOUND')).toBe(true);
  });

  it('keeps two kernels apart: each sees only the adapter bound in its own container', async () => {
    const a = kernel({ handlers: [GreetHandler] });
    const b = kernel({ handlers: [GreetHandler] });
    a.container.set(GREETER, { greet: (n: string) => `A:${n}` });
    b.container.set(GREETER, { greet: (n: string) => `B:${n}` });
    expect(await a.commands.execute(Greet.of('x'))).toBe('A:x');
    expect(await b.commands.execute(Greet.of('x'))).toBe('B:x');
    expect(a.container.get(GreetHandler)).not.toBe(b.container.get(GreetHandler));
  });

  it('lets register() swap a handler in one kernel only', async () => {
    const a = kernel({ handlers: [GreetHandler] });
    const b = kernel({ handlers: [GreetHandler] });
    b.container.set(GREETER, { greet: () => 'real' });
    a.commands.register(Greet, { handle: async () => 'fake' });
    expect(await a.commands.execute(Greet.of('x'))).toBe('fake');
    expect(await b.commands.execute(Greet.of('x'))).toBe('real');
  });

  it('binds the logger under LOGGER', () => {
    const logger = { debug() {}, info() {}, warn() {}, error() {} };
    expect(kernel({ logger }).container.get(LOGGER)).toBe(logger);
  });

  it('uses the container it is given and leaves it alone on dispose', async () => {
    const container = Container.of('kernel-test-host-container');
    container.set(GREETER, { greet: () => 'host' });
    const k = createKernel({ container, handlers: [GreetHandler] });
    expect(await k.commands.execute(Greet.of('x'))).toBe('host');
    const handler = container.get(GreetHandler);
    k.dispose();
    expect(container.get(GREETER).greet('')).toBe('host');
    // Neither reset (the instances it built stay) nor forgotten by typedi.
    expect(container.get(GreetHandler)).toBe(handler);
    expect(Container.of('kernel-test-host-container')).toBe(container);
    Container.reset('kernel-test-host-container');
  });

  it('resets the container it created on dispose and refuses later dispatches', async () => {
    const k = createKernel({ handlers: [GreetHandler] });
    k.container.set(GREETER, { greet: () => 'x' });
    const handler = k.container.get(GreetHandler);
    k.dispose();
    expect(k.container.has(GREETER)).toBe(true); // typedi keeps the binding but drops instances
    expect(k.container.get(GreetHandler)).not.toBe(handler);
    // ... and forgets the container: the same id names a new one.
    const id = k.container.id as string;
    expect(Container.of(id)).not.toBe(k.container);
    Container.reset(id);
    const error = await k.commands.execute(Greet.of('x')).catch((e: unknown) => e);
    expect(isKernelError(error, 'KERNEL_DISPOSED')).toBe(true);
  });
});

describe('handler decorators', () => {
  it('treat decorating the same class again as a no-op', () => {
    class Pong extends Command<void> {}
    class PongHandler implements CommandHandler<Pong> {
      handle() {}
    }
    commandHandler(Pong)(PongHandler);
    expect(() => commandHandler(Pong)(PongHandler)).not.toThrow();
  });

  it('work as standard (TC39) class decorators with the inject option', async () => {
    const PREFIX = new Token<string>('test.prefix');
    class Shout extends Query<string> {
      @IsString()
      word!: string;
    }
    class ShoutHandler implements QueryHandler<Shout> {
      constructor(private readonly prefix: string) {}
      handle(query: Shout) {
        return `${this.prefix}${query.word.toUpperCase()}`;
      }
    }
    const context = { kind: 'class', name: 'ShoutHandler', addInitializer() {}, metadata: {} } as unknown as ClassDecoratorContext;
    queryHandler(Shout, { inject: [PREFIX] })(ShoutHandler, context);
    const k = kernel({ handlers: [ShoutHandler] });
    k.container.set(PREFIX, '>> ');
    await expect(k.queries.execute(Shout.from({ word: 'hi' }))).resolves.toBe('>> HI');
  });

  it('build handlers without design:paramtypes metadata (as esbuild or tsx compile them)', async () => {
    class Echo extends Command<string> {
      @IsString()
      text!: string;
    }
    class EchoHandler implements CommandHandler<Echo> {
      constructor(private readonly greeter: Greeter) {}
      handle(command: Echo) {
        return this.greeter.greet(command.text);
      }
    }
    Reflect.deleteMetadata('design:paramtypes', EchoHandler);
    commandHandler(Echo, { inject: [GREETER] })(EchoHandler);
    const k = kernel({ handlers: [EchoHandler] });
    k.container.set(GREETER, { greet: (t: string) => `echo ${t}` });
    await expect(k.commands.execute(Echo.from({ text: 'x' }))).resolves.toBe('echo x');
  });
});

describe('kernel.verify()', () => {
  it('passes when every dependency is bound', () => {
    const k = kernel({ handlers: [GreetHandler, CountLettersHandler] });
    k.container.set(GREETER, { greet: () => '' });
    expect(() => k.verify()).not.toThrow();
  });

  it('lists every unresolved parameter at once, with handler and position', () => {
    class Job extends Command<void> {}
    class JobHandlerA implements CommandHandler<Job> {
      constructor(_greeter: Greeter, _unannotated: unknown) {}
      handle() {}
    }
    const context = { kind: 'class' } as unknown as ClassDecoratorContext;
    commandHandler(Job, { inject: [GREETER] })(JobHandlerA, context);
    const k = kernel({ handlers: [JobHandlerA, GreetHandler] });
    let error: unknown;
    try {
      k.verify();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KernelVerificationError);
    const problems = (error as KernelVerificationError).problems;
    expect(problems).toEqual([
      expect.objectContaining({ code: 'UNRESOLVED_DEPENDENCY', handler: 'JobHandlerA', parameter: 0, token: 'Token(test.greeter)' }),
      expect.objectContaining({ code: 'UNRESOLVED_DEPENDENCY', handler: 'JobHandlerA', parameter: 1 }),
      expect.objectContaining({ code: 'UNRESOLVED_DEPENDENCY', handler: 'GreetHandler', parameter: 0 }),
    ]);
    expect((error as Error).message).toContain('JobHandlerA');
  });

  it('says which container lacks a token and how to bind it', () => {
    const [problem] = problemsOf(kernel({ handlers: [GreetHandler] }));
    expect(problem?.message).toBe(
      "GreetHandler: constructor parameter #0 needs Token(test.greeter), which is not bound in this kernel's container; bind it with container.set(Token(test.greeter), value) before the first dispatch.",
    );
  });
});

// Last in this file: the classes decorated here stay in the process-wide record, so a kernel created
// without a list after this would take them.
describe('kernel.verify() on a kernel that takes every decorated class', () => {
  it('reports a class decorated after it was created as UNROUTED_HANDLER, and one claiming a routed message as DUPLICATE_HANDLER with the fix for such a kernel', () => {
    const k = kernel();
    // Earlier tests of this file decorated classes whose dependencies this kernel does not bind.
    const late = () => problemsOf(k).filter((p) => p.code !== 'UNRESOLVED_DEPENDENCY');
    expect(late()).toEqual([]);
    class LateCount extends Query<number> {}
    @queryHandler(LateCount)
    class LateCountHandler implements QueryHandler<LateCount> {
      handle() {
        return 0;
      }
    }
    expect(late()).toEqual([
      {
        code: 'UNROUTED_HANDLER',
        handler: 'LateCountHandler',
        message: "LateCountHandler was decorated after this kernel was created, so the kernel does not route it. Import its module before calling createKernel(), or list the kernel's handlers explicitly.",
      },
    ]);
    @commandHandler(Greet)
    class LateGreetHandler implements CommandHandler<Greet> {
      handle() {
        return 'late';
      }
    }
    const [duplicate, ...rest] = late();
    expect(duplicate).toMatchObject({ code: 'DUPLICATE_HANDLER', handler: 'LateGreetHandler' });
    expect(duplicate?.message).toContain('This kernel takes every decorated handler of the process; give each kernel the classes it routes with createKernel({ handlers: [...] }), or remove one decorator.');
    expect(rest).toEqual([expect.objectContaining({ code: 'UNROUTED_HANDLER', handler: 'LateCountHandler' })]);
  });
});
