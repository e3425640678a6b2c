import { ValidationError, type CommandBus, type Logger } from '../../kernel';
import { Reconcile, type ReconcileResult } from './reconcile.command';

/** Options of {@link Reconciler.start}. */
export interface ReconcilerOptions {
  /** Pause between the end of one run and the start of the next. Default 60 000 ms; at least 100. */
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
 */
export interface Reconciler {
  /**
   * Starts the interval (the first run after `everyMs`, at least 100 ms apart); calling it again
   * restarts it with the new options. Invalid options throw `VALIDATION_FAILED` and change nothing.
   */
  start(options?: ReconcilerOptions): void;
  /** Stops the interval; a run in progress finishes. Resolves when no run is in progress. */
  stop(): Promise<void>;
  /** True between `start()` and `stop()`. */
  readonly running: boolean;
}

const MIN_EVERY_MS = 100;

/** A {@link Reconciler} dispatching on `commands`. */
export function createReconciler(commands: CommandBus, logger: Logger): Reconciler {
  let timer: NodeJS.Timeout | undefined;
  let generation = 0;
  let inFlight: Promise<void> | undefined;
  let started = false;

  const schedule = (options: ReconcilerOptions, command: Reconcile, mine: number) => {
    const everyMs = Math.max(MIN_EVERY_MS, options.everyMs ?? 60_000);
    timer = setTimeout(() => {
      timer = undefined;
      inFlight = runOnce(options, command).finally(() => {
        inFlight = undefined;
        if (mine === generation) schedule(options, command, mine);
      });
    }, everyMs);
    timer.unref();
  };

  const runOnce = async (options: ReconcilerOptions, command: Reconcile) => {
    try {
      const result = await commands.execute(command);
      options.onRun?.(result);
    } catch (error) {
      logger.warn('a scheduled Reconcile run failed; the next one runs as planned', { error: error instanceof Error ? error.message : String(error) });
    }
  };

  const halt = () => {
    generation += 1;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };

  return {
    start(options = {}) {
      const everyMs = options.everyMs ?? 60_000;
      if (!Number.isFinite(everyMs) || everyMs < 0) {
        throw new ValidationError('reconciler options', [{ path: 'everyMs', constraint: 'min', message: `must be a number of milliseconds >= 0, got ${String(options.everyMs)}` }]);
      }
      // Built (and validated) once, so bad options throw here rather than fail every run.
      const { everyMs: _every, onRun: _onRun, ...fields } = options;
      const command = Reconcile.from(fields);
      halt();
      started = true;
      schedule(options, command, generation);
    },
    async stop() {
      halt();
      started = false;
      await inFlight;
    },
    get running() {
      return started;
    },
  };
}
