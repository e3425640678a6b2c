import type { HostFactory } from '../application/host-factory';
import type { Storage } from '../storage/storage';
import { KernelError, type CommandBus, type EventBus, type EventFailure, type EventMessage, type PublishReport, type QueryBus } from '../kernel';
import { deadline, nextTurn, now } from './real-timers';
import { describeError } from './scenario/match';

interface Activity {
  readonly label: string;
  readonly since: number;
  readonly done: Promise<unknown>;
}

/**
 * Counts the work a test host factory has in flight: commands and queries (including the catch-up
 * that follows a command) and event-bus publishes, the projector's and the host's own. It wraps
 * `execute`/`publish` on the bus instances of one test host factory; `settle()` waits on it.
 */
export class ActivityTracker {
  readonly #active = new Set<Activity>();
  readonly #failures: EventFailure[] = [];

  /** Tracks every dispatch through these two buses until it settles. */
  watchBuses(commands: CommandBus, queries: QueryBus): void {
    for (const [kind, bus] of [['command', commands], ['query', queries]] as const) {
      const execute = bus.execute.bind(bus) as (message: object, options?: unknown) => Promise<unknown>;
      (bus as { execute: unknown }).execute = (message: object, options?: unknown) =>
        this.#track(`${kind} ${message?.constructor?.name ?? 'message'}`, execute(message, options));
    }
  }

  /** Tracks every delivery through `events.publish`, whoever starts it. */
  watchEvents(events: EventBus): void {
    const publish = events.publish.bind(events);
    events.publish = ((batch: EventMessage | readonly EventMessage[], options?: { correlationId?: string }) => {
      const list: readonly EventMessage[] = Array.isArray(batch) ? batch : [batch as EventMessage];
      const types = [...new Set(list.map((e) => e?.type))].join(', ');
      const delivery = publish(batch, options).then((report: PublishReport) => {
        this.#failures.push(...report.failed);
        return report;
      });
      return this.#track(`event-bus delivery of ${types || 'nothing'}`, delivery);
    }) as EventBus['publish'];
  }

  /** The event-handler failures seen since the last call, oldest first; the list is emptied. */
  takeFailures(): EventFailure[] {
    return this.#failures.splice(0);
  }

  /** Promises of what is in flight now. */
  pending(): Promise<unknown>[] {
    return [...this.#active].map((a) => a.done.catch(() => undefined));
  }

  /** One line per activity in flight, with its age. */
  describe(now: number): string[] {
    return [...this.#active].map((a) => `${a.label} (in flight for ${Math.round(now - a.since)} ms)`);
  }

  get idle(): boolean {
    return this.#active.size === 0;
  }

  #track<T>(label: string, work: Promise<T>): Promise<T> {
    const activity: Activity = { label, since: now(), done: work };
    this.#active.add(activity);
    return work.finally(() => this.#active.delete(activity));
  }
}

/** How {@link settle} waits: its real-time limit, and whether event-handler failures reject it. */
export interface SettleOptions {
  readonly timeoutMs: number;
  readonly failOnEventHandlerErrors: boolean;
}

/**
 * Waits until nothing is in flight and every projection has applied the whole log (the projector
 * delivers to the event bus in the same round), repeating while the work it waits on commits more.
 * Rejects with `PROJECTION_FAILED` as soon as a projection stops on an error, with
 * `EVENT_HANDLER_FAILED` once settled when an event handler failed since the last `settle()` (unless
 * turned off), and with `TIMEOUT` listing what is still pending after `timeoutMs` of real time.
 */
export async function settle(hostFactory: HostFactory, storage: Storage, tracker: ActivityTracker, options: SettleOptions): Promise<void> {
  const { timeoutMs } = options;
  const started = now();
  const { expired, cancel } = deadline(timeoutMs);
  try {
    for (;;) {
      const round = (async () => {
        await Promise.all(tracker.pending());
        await hostFactory.catchUp();
        return 'caught-up' as const;
      })();
      round.catch(() => undefined);
      if ((await Promise.race([round, expired])) === 'expired') break;
      const head = await storage.eventLog.head();
      const status = hostFactory.projectionStatus();
      const failing = status.find((p) => p.error !== undefined);
      if (failing !== undefined) {
        throw new KernelError(
          'PROJECTION_FAILED',
          `settle(): projection "${failing.projection}" failed at position ${failing.position + 1}: ${describeError(failing.error)}. Fix the projection; it retries from there on the next catch-up.`,
          { details: { projection: failing.projection, position: failing.position + 1 }, cause: failing.error },
        );
      }
      if (tracker.idle && status.every((p) => p.position >= head)) {
        const failures = tracker.takeFailures();
        if (failures.length > 0 && options.failOnEventHandlerErrors) throw handlerFailure(failures);
        return;
      }
      // Something committed or started meanwhile: go round again, letting timers and I/O run first.
      await nextTurn();
    }
    const pending = await pendingWork(hostFactory, storage, tracker, now());
    const failed = tracker.takeFailures().map((f) => `event handler ${f.handler} failed on ${f.eventType}: ${describeError(f.error)}`);
    throw new KernelError(
      'TIMEOUT',
      `settle() timed out after ${timeoutMs} ms (${Math.round(now() - started)} ms elapsed); still pending:\n  - ${pending.join('\n  - ')}` +
        (failed.length > 0 && options.failOnEventHandlerErrors ? `\nmeanwhile:\n  - ${failed.join('\n  - ')}` : ''),
      { details: { pending, timeoutMs, ...(failed.length > 0 ? { failed } : {}) } },
    );
  } finally {
    cancel();
  }
}

/** `EVENT_HANDLER_FAILED` listing each failed delivery; `cause` is the error (or an AggregateError of them all). */
function handlerFailure(failures: readonly EventFailure[]): KernelError {
  const lines = failures.map((f) => `${f.handler} on ${f.eventType}: ${describeError(f.error)}`);
  const cause = failures.length === 1 ? failures[0]!.error : new AggregateError(failures.map((f) => f.error), `${failures.length} event handler failures`);
  return new KernelError(
    'EVENT_HANDLER_FAILED',
    `settle(): ${failures.length === 1 ? 'an event handler' : `${failures.length} event handler deliveries`} failed:\n  - ${lines.join('\n  - ')}\n` +
      'Fix the handler, or bind what it injects in hf.container (hf.verify() lists what is unbound). ' +
      'To let handlers fail without failing settle(), pass createTestHostFactory({ failOnEventHandlerErrors: false }).',
    { details: { failures: failures.map((f) => ({ handler: f.handler, eventType: f.eventType, error: describeError(f.error) })) }, cause },
  );
}

async function pendingWork(hostFactory: HostFactory, storage: Storage, tracker: ActivityTracker, now: number): Promise<string[]> {
  const { expired, cancel } = deadline(100);
  const head = await Promise.race([storage.eventLog.head(), expired.then(() => Number.NaN)]).finally(cancel);
  const behind = hostFactory
    .projectionStatus()
    .filter((p) => !(p.position >= head) || p.error !== undefined)
    .map((p) => `projection "${p.projection}" at position ${p.position} of ${Number.isNaN(head) ? 'an unreadable head' : head}${p.error === undefined ? '' : ` (failing: ${describeError(p.error)})`}`);
  const pending = [...tracker.describe(now), ...behind];
  return pending.length > 0 ? pending : ['a catch-up round of the projector that has not finished'];
}
