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
    const logged: string[] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (message: string) => void logged.push(message) };
    const k = kernel({
      handlers: [BalanceHandler],
      logger,
      scoped: [scoped(CALLER, () => new Caller('x', undefined), () => Promise.reject(new Error('commit failed')))],
    });
    const error = await k.queries.execute(new Balance()).catch((e: unknown) => e);
    expect(isKernelError(error, 'SCOPE_DISPOSE_FAILED')).toBe(true);
    expect((error as Error).message).toContain('commit failed');
    expect(logged).toEqual(['disposing the scoped service Token(test.caller) failed']);
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
    expect(() => kernel({ handlers: [], scoped: callerService as never })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIGURATION', details: { option: 'scoped' } }));
    const k = kernel({ handlers: [], scoped: [null as never, 'a string' as never, { token: 'test.disposer', create: () => 1, dispose: 5 as never }] });
    expect(problemsOf(k)).toEqual([
      { code: 'INVALID_SCOPED_SERVICE', handler: 'scoped service #0', message: 'scoped service #0 is not a { token, create } object.' },
      { code: 'INVALID_SCOPED_SERVICE', handler: 'scoped service #1', message: 'scoped service #1 is not a { token, create } object.' },
      { code: 'INVALID_SCOPED_SERVICE', handler: 'scoped service #2', message: 'scoped service #2 ("test.disposer") has a dispose that is not a function.' },
    ]);
  });
});
