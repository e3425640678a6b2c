import type { HostFactory } from '../application/host-factory';
import type { Storage } from '../application/storage/storage';
import { KernelError, type CommandBus, type EventBus, type EventMessage, type QueryBus } from '../kernel';
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
      return this.#track(`event-bus delivery of ${types || 'nothing'}`, publish(batch, options));
    }) as EventBus['publish'];
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
    const activity: Activity = { label, since: performance.now(), done: work };
    this.#active.add(activity);
    return work.finally(() => this.#active.delete(activity));
  }
}

/**
 * Waits until nothing is in flight and every projection has applied the whole log (the projector
 * delivers to the event bus in the same round), repeating while the work it waits on commits more.
 * Rejects with `PROJECTION_FAILED` as soon as a projection stops on an error, and with `TIMEOUT`
 * listing what is still pending after `timeoutMs`.
 */
export async function settle(hostFactory: HostFactory, storage: Storage, tracker: ActivityTracker, timeoutMs: number): Promise<void> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), timeoutMs);
  });
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
      if (tracker.idle && status.every((p) => p.position >= head)) return;
      // Something committed or started meanwhile: go round again, letting timers and I/O run first.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const pending = await pendingWork(hostFactory, storage, tracker, performance.now());
    throw new KernelError(
      'TIMEOUT',
      `settle() timed out after ${timeoutMs} ms (${Math.round(performance.now() - started)} ms elapsed); still pending:\n  - ${pending.join('\n  - ')}`,
      { details: { pending, timeoutMs } },
    );
  } finally {
    clearTimeout(timer);
  }
}

async function pendingWork(hostFactory: HostFactory, storage: Storage, tracker: ActivityTracker, now: number): Promise<string[]> {
  const head = await Promise.race([storage.eventLog.head(), new Promise<number>((resolve) => setTimeout(() => resolve(Number.NaN), 100))]);
  const behind = hostFactory
    .projectionStatus()
    .filter((p) => !(p.position >= head) || p.error !== undefined)
    .map((p) => `projection "${p.projection}" at position ${p.position} of ${Number.isNaN(head) ? 'an unreadable head' : head}${p.error === undefined ? '' : ` (failing: ${describeError(p.error)})`}`);
  const pending = [...tracker.describe(now), ...behind];
  return pending.length > 0 ? pending : ['a catch-up round of the projector that has not finished'];
}
