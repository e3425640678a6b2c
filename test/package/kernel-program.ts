/**
 * A TypeScript program (legacy decorators, emitted metadata) that exercises the kernel as issue 23
 * describes it, compiled against the installed package as ESM and as CJS by pack.test.ts:
 * self-registration, isolated kernels with explicit lists, duplicates judged at kernel creation and in
 * verify() (never at decoration), services scoped to one dispatch (1,000 concurrent dispatches,
 * disposal on success and on throw, { inject } / @Inject / parameter types), and the three event
 * delivery strategies with a failing handler. It prints one JSON line.
 */
export const KERNEL_PROGRAM = `
import 'reflect-metadata';
import { Token } from 'typedi';
import {
  Command, Query, commandHandler, queryHandler, eventHandler, createKernel, Inject, scoped, isKernelError,
  KernelVerificationError, QUERY_BUS, EVENT_BUS, type CommandHandler, type QueryHandler, type QueryBus, type EventBus,
} from 'hostfactory-kernel';

const capture = async (fn: () => unknown): Promise<unknown> => { try { await fn(); } catch (e) { return e; } return undefined; };
const problemsOf = (k: { verify(): void }) => { try { k.verify(); return []; } catch (e) { return (e as KernelVerificationError).problems.map((p) => p.code + ' ' + p.handler); } };

// 1. Decorate, create, execute: no list.
export class Ping extends Command<string> {}
@commandHandler(Ping)
export class PingHandler implements CommandHandler<Ping> {
  handle(): string { return 'pong'; }
}

// 2. One message, two handler classes, each routed by the kernel that lists it.
export class Price extends Command<number> {}
@commandHandler(Price)
export class RetailPrice implements CommandHandler<Price> { handle(): number { return 10; } }
export class WholesalePrice implements CommandHandler<Price> { handle(): number { return 7; } }

// 3. Services scoped to one dispatch: a caller from the execute() metadata, an audit log by its class.
interface Caller { readonly user: string; readonly serial: number }
const CALLER = new Token<Caller>('caller');
let serials = 0;
const disposed: { user: string; failed: boolean }[] = [];
export class AuditLog {
  readonly lines: string[] = [];
  closed = false;
  dispose(): void { this.closed = true; }
}
export class Transfer extends Command<{ serials: number[]; lines: string[]; log: AuditLog }> {}
export class Balance extends Query<number> {}
export class Refuse extends Command<void> {}

@commandHandler(Transfer)
export class TransferHandler implements CommandHandler<Transfer> {
  constructor(
    @Inject(CALLER) private readonly caller: Caller,
    private readonly log: AuditLog,
    @Inject(QUERY_BUS) private readonly queries: QueryBus,
    @Inject(EVENT_BUS) private readonly events: EventBus,
  ) {}
  async handle() {
    this.log.lines.push('transfer ' + this.caller.user);
    const nested = await this.queries.execute(new Balance());
    await this.events.publish({ type: 'Transferred' });
    const heard = Number(this.log.lines.find((l) => l.startsWith('heard '))?.slice(6));
    return { serials: [this.caller.serial, nested, heard], lines: [...this.log.lines], log: this.log };
  }
}
@queryHandler(Balance, { inject: [CALLER] })
export class BalanceHandler implements QueryHandler<Balance> {
  constructor(private readonly caller: Caller) {}
  handle(): number { return this.caller.serial; }
}
@eventHandler('Transferred')
export class TransferredListener {
  constructor(@Inject(CALLER) private readonly caller: Caller, private readonly log: AuditLog) {}
  handle(): void { this.log.lines.push('heard ' + this.caller.serial); }
}
@commandHandler(Refuse)
export class RefuseHandler implements CommandHandler<Refuse> {
  constructor(@Inject(CALLER) private readonly caller: Caller) {}
  async handle(): Promise<void> { throw new Error('refused ' + this.caller.user); }
}

export async function main(): Promise<void> {
  // 1
  const everything = createKernel();
  const pong = await everything.commands.execute(new Ping());

  // 2 and the duplicate: decorating WholesalePrice now does not throw ...
  const decorationError = await capture(() => commandHandler(Price)(WholesalePrice));
  const retail = await createKernel({ handlers: [RetailPrice] }).commands.execute(new Price());
  const wholesale = await createKernel({ handlers: [WholesalePrice] }).commands.execute(new Price());
  // ... a kernel that takes both refuses to be created, and one created before reports it from verify().
  const atCreation = await capture(() => createKernel());
  const inVerify = problemsOf(everything).filter((p) => p.startsWith('DUPLICATE_HANDLER'));

  // 3
  const services = [
    scoped(CALLER, (context) => ({ user: String(context.metadata.user), serial: ++serials }), (caller, outcome) => void disposed.push({ user: caller.user, failed: outcome.failed })),
    scoped(AuditLog, () => new AuditLog()),
  ];
  const bank = createKernel({ handlers: [TransferHandler, BalanceHandler, TransferredListener, RefuseHandler], scoped: services });
  const bankProblems = problemsOf(bank);
  const users = Array.from({ length: 1000 }, (_, i) => 'u' + i);
  const results = await Promise.all(users.map((user) => bank.commands.execute(new Transfer(), { metadata: { user } })));
  const sharedInEachDispatch = results.every((r) => new Set(r.serials).size === 1);
  const distinctAcrossDispatches = new Set(results.map((r) => r.serials[0])).size;
  const linesRight = results.every((r, i) => r.lines[0] === 'transfer ' + users[i] && r.lines[1] === 'heard ' + r.serials[0]);
  const allClosed = results.every((r) => r.log.closed);
  const disposedAfterSuccess = new Set(disposed.map((d) => d.user)).size;
  const refused = await capture(() => bank.commands.execute(new Refuse(), { metadata: { user: 'eve' } }));

  // 4. Delivery strategies, the second of three handlers failing.
  const strategies: Record<string, unknown> = {};
  for (const delivery of ['sequential', { parallel: 2 }, 'stop-at-first-failure'] as const) {
    const k = createKernel({ handlers: [], eventDelivery: delivery });
    const ran: string[] = [];
    let running = 0;
    let peak = 0;
    for (const name of ['a', 'b', 'c']) {
      k.events.register('Job', {
        async handle() {
          running++; peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 5));
          running--; ran.push(name);
          if (name === 'b') throw new Error('b failed');
        },
      });
    }
    const report = await k.events.publish({ type: 'Job' });
    strategies[typeof delivery === 'string' ? delivery : 'parallel'] = { delivered: report.delivered, failed: report.failed.length, ran: ran.sort(), peak };
  }

  console.log(JSON.stringify({
    pong, decorationThrew: decorationError !== undefined, retail, wholesale,
    atCreation: isKernelError(atCreation, 'DUPLICATE_HANDLER') && /RetailPrice/.test((atCreation as Error).message) && /WholesalePrice/.test((atCreation as Error).message),
    inVerify, bankProblems, sharedInEachDispatch, distinctAcrossDispatches, linesRight, allClosed, disposedAfterSuccess,
    refused: (refused as Error).message, refusedDisposed: disposed.at(-1), strategies,
  }));
}
`;

/** What the program prints, in both module formats. */
export function expectedKernelReport(): Record<string, unknown> {
  return {
    pong: 'pong',
    decorationThrew: false,
    retail: 10,
    wholesale: 7,
    atCreation: true,
    inVerify: ['DUPLICATE_HANDLER WholesalePrice'],
    bankProblems: [],
    sharedInEachDispatch: true,
    distinctAcrossDispatches: 1000,
    linesRight: true,
    allClosed: true,
    disposedAfterSuccess: 1000,
    refused: 'refused eve',
    refusedDisposed: { user: 'eve', failed: true },
    strategies: {
      sequential: { delivered: 2, failed: 1, ran: ['a', 'b', 'c'], peak: 1 },
      parallel: { delivered: 2, failed: 1, ran: ['a', 'b', 'c'], peak: 2 },
      'stop-at-first-failure': { delivered: 1, failed: 1, ran: ['a', 'b'], peak: 1 },
    },
  };
}
