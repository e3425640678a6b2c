import 'reflect-metadata';
import { Token } from 'typedi';
import { describe, expect, it } from 'vitest';
import {
  Command,
  COMMAND_BUS,
  commandHandler,
  EVENT_BUS,
  eventHandler,
  Inject,
  isKernelError,
  Query,
  QUERY_BUS,
  queryHandler,
  scoped,
  type CommandBus,
  type CommandHandler,
  type EventBus,
  type QueryBus,
  type QueryHandler,
} from '../../src/kernel';
import { disposedAfterEach, problemsOf } from '../support/kernels';

/** The caller of one top-level dispatch, built from the values the host passed with execute(). */
class Caller {
  static created = 0;
  static disposed: { user: string; failed: boolean }[] = [];
  readonly serial = ++Caller.created;
  constructor(readonly user: string, readonly correlationId: string | undefined) {}
}
const CALLER = new Token<Caller>('test.caller');
const callerService = scoped(
  CALLER,
  (context) => new Caller(String(context.metadata.user), context.correlationId),
  (caller, outcome) => void Caller.disposed.push({ user: caller.user, failed: outcome.failed }),
);

/** A scoped service resolved by its class (emitted parameter type). */
class AuditLog {
  readonly lines: string[] = [];
  closed = false;
  async [Symbol.asyncDispose](): Promise<void> {
    this.closed = true;
  }
}
const auditService = scoped(AuditLog, () => new AuditLog());

class Transfer extends Command<{ callers: number[]; audit: AuditLog }> {}
class Balance extends Query<number> {}
const seenByListener: number[] = [];

@commandHandler(Transfer)
class TransferHandler implements CommandHandler<Transfer> {
  constructor(
    @Inject(CALLER) private readonly caller: Caller,
    private readonly audit: AuditLog,
    @Inject(QUERY_BUS) private readonly queries: QueryBus,
    @Inject(EVENT_BUS) private readonly events: EventBus,
  ) {}
  async handle(): Promise<{ callers: number[]; audit: AuditLog }> {
    this.audit.lines.push(`transfer by ${this.caller.user}`);
    const nested = await this.queries.execute(new Balance());
    await this.events.publish({ type: 'Transferred' });
    const heard = this.audit.lines.find((line) => line.startsWith('listener '));
    return { callers: [this.caller.serial, nested, Number(heard?.slice('listener '.length))], audit: this.audit };
  }
}

@queryHandler(Balance, { inject: [CALLER] })
class BalanceHandler implements QueryHandler<Balance> {
  constructor(private readonly caller: Caller) {}
  handle(): number {
    return this.caller.serial;
  }
}

@eventHandler('Transferred')
class TransferredListener {
  constructor(
    @Inject(CALLER) private readonly caller: Caller,
    private readonly audit: AuditLog,
  ) {}
  handle(): void {
    seenByListener.push(this.caller.serial);
    this.audit.lines.push(`listener ${this.caller.serial}`);
  }
}

class Fail extends Command<void> {}
@commandHandler(Fail)
class FailHandler implements CommandHandler<Fail> {
  constructor(@Inject(CALLER) private readonly caller: Caller) {}
  async handle(): Promise<void> {
    throw new Error(`refused for ${this.caller.user}`);
  }
}

/** A dependency bound nowhere: the kernel builds it once per kernel. */
class Ledger {
  readonly lines: string[] = [];
}

const HANDLERS = [TransferHandler, BalanceHandler, TransferredListener, FailHandler];
const kernel = disposedAfterEach();

describe('scoped services', () => {
  it('are built once per top-level dispatch and shared by nested queries and event handlers', async () => {
    const k = kernel({ handlers: HANDLERS, scoped: [callerService, auditService] });
    expect(problemsOf(k)).toEqual([]);
    const first = await k.commands.execute(new Transfer(), { metadata: { user: 'ada' }, correlationId: 'c-1' });
    const second = await k.commands.execute(new Transfer(), { metadata: { user: 'bob' } });
    // handler, nested query and nested event handler saw one Caller per dispatch
    expect(new Set(first.callers).size).toBe(1);
    expect(new Set(second.callers).size).toBe(1);
    expect(first.callers[0]).not.toBe(second.callers[0]);
    expect(first.audit.lines).toEqual(['transfer by ada', `listener ${first.callers[0]}`]);
    expect(first.audit.closed).toBe(true);
    expect(Caller.disposed.slice(-2)).toEqual([
      { user: 'ada', failed: false },
      { user: 'bob', failed: false },
    ]);
  });

  it('never leak across 1,000 concurrent dispatches, each disposed once', async () => {
    const k = kernel({ handlers: HANDLERS, scoped: [callerService, auditService] });
    const createdBefore = Caller.created;
    const disposedBefore = Caller.disposed.length;
    const users = Array.from({ length: 1000 }, (_, i) => `user-${i}`);
    const results = await Promise.all(users.map((user) => k.commands.execute(new Transfer(), { metadata: { user } })));
    for (const [i, result] of results.entries()) {
      expect(new Set(result.callers).size).toBe(1);
      expect(result.audit.lines).toEqual([`transfer by ${users[i]}`, `listener ${result.callers[0]}`]);
    }
    expect(new Set(results.map((r) => r.callers[0])).size).toBe(1000);
    expect(Caller.created - createdBefore).toBe(1000);
    const disposed = Caller.disposed.slice(disposedBefore).map((d) => d.user);
    expect(disposed).toHaveLength(1000);
    expect(new Set(disposed)).toEqual(new Set(users));
  });

  it('are disposed when the handler throws, told that it failed, and the handler’s error is what the caller gets', async () => {
    const k = kernel({ handlers: HANDLERS, scoped: [callerService] });
    const error = await k.commands.execute(new Fail(), { metadata: { user: 'eve' } }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('refused for eve');
    expect(Caller.disposed.at(-1)).toEqual({ user: 'eve', failed: true });
  });

  it('reject a successful dispatch with SCOPE_DISPOSE_FAILED when disposing fails, and log it', async () => {
    const logged: [string, unknown][] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (message: string, fields: unknown) => void logged.push([message, fields]) };
    const k = kernel({
      handlers: [BalanceHandler],
      logger,
      scoped: [scoped(CALLER, () => new Caller('x', undefined), () => Promise.reject(new Error('commit failed')))],
    });
    const error = await k.queries.execute(new Balance()).catch((e: unknown) => e);
    expect(isKernelError(error, 'SCOPE_DISPOSE_FAILED')).toBe(true);
    expect((error as Error).message).toContain('commit failed');
    expect(logged).toEqual([['disposing the scoped service Token(test.caller) failed', { error: 'commit failed' }]]);
  });

  it('are created only when something asks for them', async () => {
    let created = 0;
    const k = kernel({ handlers: [], scoped: [scoped(CALLER, () => new Caller(String(++created), undefined))] });
    k.queries.register(Balance, { handle: () => 1 });
    await k.queries.execute(new Balance());
    expect(created).toBe(0);
  });

  it('may be created and disposed asynchronously, once per scope even when nested work asks at the same time', async () => {
    let created = 0;
    const closed: boolean[] = [];
    const k = kernel({
      handlers: [BalanceHandler],
      scoped: [
        scoped(
          CALLER,
          async (context) => {
            created++;
            await new Promise((resolve) => setTimeout(resolve, 5));
            return new Caller(String(context.metadata.user), context.correlationId);
          },
          async (_caller, outcome) => {
            await new Promise((resolve) => setTimeout(resolve, 1));
            closed.push(outcome.failed);
          },
        ),
      ],
    });
    class Both extends Query<number[]> {}
    k.queries.register(Both, { handle: () => Promise.all([k.queries.execute(new Balance()), k.queries.execute(new Balance())]) });
    const [first, second] = await k.queries.execute(new Both(), { metadata: { user: 'ann' } });
    expect(first).toBe(second);
    expect(created).toBe(1);
    expect(closed).toEqual([false]);
  });

  it('give an event published outside any dispatch a scope of its own', async () => {
    const k = kernel({ handlers: [TransferredListener], scoped: [callerService, auditService] });
    const disposedBefore = Caller.disposed.length;
    const report = await k.events.publish([{ type: 'Transferred' }, { type: 'Transferred' }]);
    expect(report).toEqual({ delivered: 2, failed: [] });
    expect(seenByListener.at(-1)).toBe(seenByListener.at(-2));
    expect(Caller.disposed.length - disposedBefore).toBe(1);
  });

  it('fail a dispatch whose scoped service cannot be created with UNRESOLVED_DEPENDENCY, and still dispose the others', async () => {
    const k = kernel({
      handlers: [TransferHandler, BalanceHandler, TransferredListener],
      scoped: [
        auditService,
        scoped(CALLER, () => {
          throw new Error('no session');
        }),
      ],
    });
    const error = await k.commands.execute(new Transfer()).catch((e: unknown) => e);
    expect(isKernelError(error, 'UNRESOLVED_DEPENDENCY')).toBe(true);
    expect((error as Error).message).toContain('no session');
  });
});

describe('verify() and scoped services', () => {
  it('explains declarations that cannot be built and classes that would keep one dispatch’s value', () => {
    const DUP = new Token<string>('test.dup');
    class Reporter {
      constructor(@Inject(CALLER) readonly caller: Caller) {}
    }
    class Report extends Query<string> {}
    class ReportHandler {
      constructor(readonly reporter: Reporter) {}
      handle() {
        return '';
      }
    }
    Reflect.defineMetadata('design:paramtypes', [Reporter], ReportHandler);
    queryHandler(Report)(ReportHandler);
    const k = kernel({
      handlers: [ReportHandler],
      scoped: [callerService, scoped(DUP, () => 'a'), scoped(DUP, () => 'b'), { token: 42 } as never, { token: new Token('test.bound'), create: () => 1 }],
    });
    k.container.set(new Token('test.other'), 1);
    const bound = (k as unknown as { container: { set(t: unknown, v: unknown): void } }).container;
    void bound;
    const problems = problemsOf(k);
    expect(problems).toEqual([
      expect.objectContaining({ code: 'INVALID_SCOPED_SERVICE', handler: 'scoped service #2', message: expect.stringContaining('declared twice') }),
      expect.objectContaining({ code: 'INVALID_SCOPED_SERVICE', handler: 'scoped service #3', message: expect.stringContaining('has no token') }),
      expect.objectContaining({ code: 'INVALID_SCOPED_SERVICE', handler: 'scoped service #3', message: expect.stringContaining('no create(context) function') }),
      expect.objectContaining({
        code: 'UNRESOLVED_DEPENDENCY',
        handler: 'ReportHandler',
        parameter: 0,
        message: expect.stringContaining('Reporter is built once per kernel but its constructor parameter #0 needs the scoped service Token(test.caller)'),
      }),
    ]);
  });

  it('reports a scoped token also bound in the kernel’s container', () => {
    const k = kernel({ handlers: [], scoped: [callerService] });
    k.container.set(CALLER, new Caller('global', undefined));
    expect(problemsOf(k)).toEqual([expect.objectContaining({ code: 'INVALID_SCOPED_SERVICE', message: expect.stringContaining("also bound in the kernel's container") })]);
  });
});

describe('declaring scoped services', () => {
  it('refuses a scoped option that is not an array at creation, and lists in verify() an entry that is no object or whose dispose is no function', () => {
    expect(() => kernel({ handlers: [], scoped: callerService as never })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIGURATION', details: { option: 'scoped' }, message: 'createKernel({ scoped }) must be an array of { token, create } objects.' }),
    );
    const k = kernel({ handlers: [], scoped: [null as never, 'a string' as never, { token: 'test.disposer', create: () => 1, dispose: 5 as never }] });
    expect(problemsOf(k)).toEqual([
      { code: 'INVALID_SCOPED_SERVICE', handler: 'scoped service #0', message: 'scoped service #0 is not a { token, create } object.' },
      { code: 'INVALID_SCOPED_SERVICE', handler: 'scoped service #1', message: 'scoped service #1 is not a { token, create } object.' },
      { code: 'INVALID_SCOPED_SERVICE', handler: 'scoped service #2', message: 'scoped service #2 ("test.disposer") has a dispose that is not a function.' },
    ]);
  });

  it('names an entry without a valid token “?” in its other problems', () => {
    const k = kernel({ handlers: [], scoped: [{ token: 42, dispose: 5 } as never] });
    expect(problemsOf(k)).toEqual([
      { code: 'INVALID_SCOPED_SERVICE', handler: 'scoped service #0', message: 'scoped service #0 has no token: give it a typedi Token, a string id or a class.' },
      { code: 'INVALID_SCOPED_SERVICE', handler: 'scoped service #0', message: 'scoped service #0 (?) has no create(context) function.' },
      { code: 'INVALID_SCOPED_SERVICE', handler: 'scoped service #0', message: 'scoped service #0 (?) has a dispose that is not a function.' },
    ]);
  });

  it('takes no entry that is not an object, even a function carrying a token and a create', () => {
    const CLOCK = new Token<number>('test.clock');
    class Tick extends Query<number> {}
    @queryHandler(Tick)
    class TickHandler implements QueryHandler<Tick> {
      constructor(@Inject(CLOCK) readonly clock: number) {}
      handle() {
        return this.clock;
      }
    }
    const declaration = Object.assign(() => 0, { token: CLOCK, create: () => 1 });
    const problems = problemsOf(kernel({ handlers: [TickHandler], scoped: [declaration as never] }));
    expect(problems).toEqual([
      expect.objectContaining({ code: 'INVALID_SCOPED_SERVICE', handler: 'scoped service #0' }),
      expect.objectContaining({ code: 'UNRESOLVED_DEPENDENCY', handler: 'TickHandler', token: 'Token(test.clock)' }),
    ]);
  });

  it('writes scoped() as the plain object: { token, create }, and dispose only when given', () => {
    const create = () => 1;
    const dispose = () => undefined;
    expect(scoped('test.plain', create)).toStrictEqual({ token: 'test.plain', create });
    expect(scoped('test.plain', create, dispose)).toStrictEqual({ token: 'test.plain', create, dispose });
  });

  it('still reports a parameter without a token, and builds nothing from an entry without a token', async () => {
    class Unscoped {
      constructor(readonly greeter: { greet(): string }) {}
    }
    class Peek extends Query<string> {}
    class PeekHandler {
      constructor(
        readonly greeter: { greet(): string },
        readonly unscoped: Unscoped,
      ) {}
      handle() {
        return 'peeked';
      }
    }
    Reflect.defineMetadata('design:paramtypes', [Object], Unscoped);
    Reflect.defineMetadata('design:paramtypes', [Object, Unscoped], PeekHandler);
    queryHandler(Peek)(PeekHandler);
    const k = kernel({ handlers: [PeekHandler], scoped: [{ token: undefined, create: () => ({ greet: () => 'from the entry' }) } as never] });
    expect(problemsOf(k)).toEqual([
      expect.objectContaining({ code: 'INVALID_SCOPED_SERVICE', handler: 'scoped service #0', message: expect.stringContaining('has no token') }),
      expect.objectContaining({ code: 'UNRESOLVED_DEPENDENCY', handler: 'PeekHandler', parameter: 0, token: '(no token)' }),
    ]);
    await expect(k.queries.execute(new Peek())).rejects.toMatchObject({ code: 'UNRESOLVED_DEPENDENCY', details: { handler: 'PeekHandler', parameter: 0 } });
  });
});

describe('scoped services and the dispatch context', () => {
  it('give create() the top-level dispatch: its kind, message, ids and the kernel’s container', async () => {
    let seen: Record<string, unknown> | undefined;
    const k = kernel({
      handlers: [BalanceHandler],
      scoped: [
        scoped(CALLER, (context) => {
          seen = { kind: context.kind, message: context.message, messageId: context.messageId, correlationId: context.correlationId, causationId: context.causationId, container: context.container };
          return new Caller('x', context.correlationId);
        }),
      ],
    });
    const balance = new Balance();
    await k.queries.execute(balance, { messageId: 'm-1', correlationId: 'c-1', causationId: 'x-1' });
    expect(seen).toEqual({ kind: 'query', message: balance, messageId: 'm-1', correlationId: 'c-1', causationId: 'x-1', container: k.container });
    expect(seen?.message).toBe(balance);
    expect(seen?.container).toBe(k.container);
  });

  it('let create() ask the context for anything the container resolves, rejecting (never throwing) what it cannot', async () => {
    const UNBOUND = new Token<string>('test.unbound');
    const PLAIN = new Token<string>('test.plain');
    let asked: Promise<unknown> | undefined;
    const k = kernel({
      handlers: [BalanceHandler],
      scoped: [
        scoped(CALLER, async (context) => {
          asked = context.get(UNBOUND).then(
            () => 'resolved',
            (error: unknown) => error,
          );
          return new Caller(await context.get(PLAIN), undefined);
        }),
      ],
    });
    k.container.set(PLAIN, 'plain');
    await k.queries.execute(new Balance());
    expect(await asked).toMatchObject({ name: 'ServiceNotFoundError' });
  });

  it('turn the dispatch context on: a command an event handler runs has the event as causation and its correlation', async () => {
    const contexts: { correlationId: string; causationId: string | undefined }[] = [];
    const k = kernel({ handlers: [], scoped: [callerService] });
    k.commands.register(Fail, { handle: async (_m, context) => void contexts.push({ correlationId: context.correlationId, causationId: context.causationId }) });
    k.events.register('Started', { handle: async () => k.commands.execute(new Fail()) });
    await k.events.publish({ type: 'Started', eventId: 'evt-9', correlationId: 'conv-9' } as { type: string });
    expect(contexts).toEqual([{ correlationId: 'conv-9', causationId: 'evt-9' }]);
  });

  it('build a handler that needs no scoped service once per kernel', async () => {
    let built = 0;
    class Plain extends Query<number> {}
    @queryHandler(Plain)
    class PlainHandler implements QueryHandler<Plain> {
      constructor(readonly audit: Ledger) {
        built++;
      }
      handle() {
        return built;
      }
    }
    const k = kernel({ handlers: [PlainHandler], scoped: [callerService] });
    await k.queries.execute(new Plain());
    await expect(k.queries.execute(new Plain())).resolves.toBe(1);
  });
});

describe('verify() on classes built once per kernel in a kernel with scoped services', () => {
  it('passes a typedi @Inject parameter, a string token, a class without scoped parameters and a class bound in the container', async () => {
    const { Inject: TypediInject } = await import('typedi');
    class Reporter {
      constructor(@Inject(CALLER) readonly caller: Caller) {}
    }
    class Journal {
      constructor(readonly ledger: Ledger) {}
    }
    class Empty {}
    class Summary extends Query<string> {}
    class SummaryHandler {
      constructor(
        readonly greeting: string[],
        @Inject('test.string-token') readonly text: string,
        readonly journal: Journal,
        readonly empty: Empty,
        readonly reporter: Reporter,
      ) {}
      handle() {
        return this.text;
      }
    }
    TypediInject('test.greetings')(SummaryHandler, undefined as never, 0);
    Reflect.defineMetadata('design:paramtypes', [Ledger], Journal);
    Reflect.defineMetadata('design:paramtypes', [Array, String, Journal, Empty, Reporter], SummaryHandler);
    queryHandler(Summary)(SummaryHandler);
    const k = kernel({ handlers: [SummaryHandler], scoped: [callerService] });
    k.container.set('test.greetings', ['hi']);
    k.container.set('test.string-token', 'text');
    k.container.set(Reporter, new Reporter(new Caller('bound', undefined)));
    expect(problemsOf(k)).toEqual([]);
    await expect(k.queries.execute(new Summary())).resolves.toBe('text');
  });
});
