import { ValidationError, type CommandBus, type Logger } from '../../kernel';
import { Reconcile, type ReconcileResult } from './reconcile.command';

/** Options of {@link Reconciler.start}. */
export interface ReconcilerOptions {
  /** Pause between the end of one run and the start of the next. Default {@link DEFAULT_RECONCILER_EVERY_MS}; at least 100. */
  readonly everyMs?: number;
  /** `Reconcile.limit` of each run. */
  readonly limit?: number;
  /** `Reconcile.budgetMs` of each run. */
  readonly budgetMs?: number;
  /** `Reconcile.ackWindowMs` of each run (default: the host factory's `limits.ackWindowMs`). */
  readonly ackWindowMs?: number;
  /** Called with each run's counts (after the run). */
  readonly onRun?: (result: ReconcileResult) => void;
}

/**
 * Runs `Reconcile` on an interval for a long-running host. Runs never overlap (the next is scheduled
 * when one ends), the timer is `unref`'d (it never keeps the process alive), and `stop()` (or the
 * host factory's `dispose()`) leaves no timer behind. A failed run is logged and the next one runs.
 * A script or cron job calls `runOnce()` instead: `start()` alone lets such a process exit before the
 * first run.
 */
export interface Reconciler {
  /**
   * Starts the interval (the first run after `everyMs`, at least 100 ms apart); calling it again
   * restarts it with the new options. Invalid options throw `VALIDATION_FAILED` and change nothing.
   * The timer is unref'd: it runs while something else (a server, a queue consumer) keeps the process
   * alive, and never keeps it alive by itself.
   */
  start(options?: ReconcilerOptions): void;
  /**
   * Runs one `Reconcile` now, with the same options as `start()` (`everyMs` ignored), and resolves to
   * its counts; a failed run rejects with its error (unlike the interval, which logs it). Waits for an
   * interval run in progress first, so two runs never overlap. Invalid options reject with
   * `VALIDATION_FAILED`.
   */
  runOnce(options?: Omit<ReconcilerOptions, 'everyMs'>): Promise<ReconcileResult>;
  /** Stops the interval; a run in progress finishes. Resolves when no run is in progress. */
  stop(): Promise<void>;
  /** True between `start()` and `stop()`. */
  readonly running: boolean;
}

const MIN_EVERY_MS = 100;

/** The reconciler's default pause between runs: one minute. */
export const DEFAULT_RECONCILER_EVERY_MS = 60_000;

/** A {@link Reconciler} dispatching on `commands`. */
export function createReconciler(commands: CommandBus, logger: Logger): Reconciler {
  let timer: NodeJS.Timeout | undefined;
  let generation = 0;
  /** The last run queued (scheduled or `runOnce`); each run starts after the one before it ends. */
  let last: Promise<unknown> = Promise.resolve();
  let started = false;

  /** Queues `command` behind any run in progress, so runs never overlap. */
  const enqueue = (command: Reconcile): Promise<ReconcileResult> => {
    const run = last.then(() => commands.execute(command));
    last = run.catch(() => undefined);
    return run;
  };

  const schedule = (options: ReconcilerOptions, command: Reconcile, mine: number) => {
    const everyMs = Math.max(MIN_EVERY_MS, options.everyMs ?? DEFAULT_RECONCILER_EVERY_MS);
    timer = setTimeout(() => {
      timer = undefined;
      void enqueue(command)
        .then(
          (result) => options.onRun?.(result),
          (error: unknown) => logger.warn('a scheduled Reconcile run failed; the next one runs as planned', { error: error instanceof Error ? error.message : String(error) }),
        )
        .finally(() => {
          if (mine === generation) schedule(options, command, mine);
        });
    }, everyMs);
    timer.unref();
  };

  const halt = () => {
    generation += 1;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };

  /** The `Reconcile` of a run's options (validated here, so bad options throw before any run). */
  const commandOf = (options: ReconcilerOptions): Reconcile => {
    const { everyMs: _every, onRun: _onRun, ...fields } = options;
    return Reconcile.from(fields);
  };

  return {
    start(options = {}) {
      const everyMs = options.everyMs ?? DEFAULT_RECONCILER_EVERY_MS;
      if (!Number.isFinite(everyMs) || everyMs < 0) {
        throw new ValidationError('reconciler options', [{ path: 'everyMs', constraint: 'min', message: `must be a number of milliseconds >= 0, got ${String(options.everyMs)}` }]);
      }
      const command = commandOf(options);
      halt();
      started = true;
      schedule(options, command, generation);
    },
    async runOnce(options = {}) {
      const result = await enqueue(commandOf(options));
      options.onRun?.(result);
      return result;
    },
    async stop() {
      halt();
      started = false;
      await last;
    },
    get running() {
      return started;
    },
  };
}
