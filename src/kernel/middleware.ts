import type { DispatchContext } from './handler';
import { isKernelError, TimeoutError } from './errors';
import { signal } from './scope';
import type { Logger } from './logger';
import { assertValid } from './validation';

/**
 * The one middleware shape: receives the dispatch context and `next`, which runs the rest of the
 * pipeline (and finally the handler) and resolves to its result. Registration order is nesting
 * order: the first middleware is the outermost.
 */
export type Middleware = (context: DispatchContext, next: () => Promise<unknown>) => Promise<unknown>;

const VALIDATION_MARK = Symbol.for('hostfactory-kernel.middleware.validation');

/**
 * A middleware that only checks something before the rest of the pipeline can expose that check
 * here; `compose` then calls it directly, with no `next` closure per dispatch. Same behaviour.
 */
const BEFORE = Symbol('hostfactory-kernel.middleware.before');

type WithBefore = Middleware & { [BEFORE]?: (context: DispatchContext) => void };

/**
 * Calls the message's `validate()` before the handler runs, so an invalid message never reaches
 * it. On by default in every kernel; messages built and frozen by `from()` are not validated twice.
 */
export function validation(): Middleware {
  const check = (context: DispatchContext): void => {
    const message = context.message as { validate?: () => void };
    if (typeof message.validate === 'function') message.validate();
    else assertValid(message as object, context.messageName);
  };
  const mw: Middleware = (context, next) => {
    check(context);
    return next();
  };
  return Object.assign(mw, { [VALIDATION_MARK]: true, [BEFORE]: check });
}


/** True when `mw` is a {@link validation} middleware. */
export function isValidationMiddleware(mw: Middleware): boolean {
  return (mw as unknown as Record<symbol, unknown>)[VALIDATION_MARK] === true;
}

/** Options of {@link logging}. */
export interface LoggingOptions {
  /** Include the message body in log lines. Off by default: bodies may hold secrets. */
  includeBodies?: boolean;
}

/**
 * Logs each dispatch through `logger`: message name, kind, correlation id, duration and outcome
 * (with the error code on failure). Message bodies are logged only with `includeBodies: true`.
 */
export function logging(logger: Logger, options: LoggingOptions = {}): Middleware {
  return async (context, next) => {
    const startedAt = context.startedAt;
    const base: Record<string, unknown> = {
      kind: context.kind,
      messageName: context.messageName,
      correlationId: context.correlationId,
    };
    if (options.includeBodies) base.body = context.message;
    try {
      const result = await next();
      logger.info(`${context.kind} ${context.messageName} succeeded`, {
        ...base,
        outcome: 'success',
        durationMs: round(performance.now() - startedAt),
      });
      return result;
    } catch (error) {
      logger.warn(`${context.kind} ${context.messageName} failed`, {
        ...base,
        outcome: 'failure',
        code: isKernelError(error) ? error.code : 'UNEXPECTED',
        error: error instanceof Error ? error.message : String(error),
        durationMs: round(performance.now() - startedAt),
      });
      throw error;
    }
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * Fails a dispatch that runs longer than `ms` with `TimeoutError` (`TIMEOUT`) and aborts the
 * context's `signal`, so a handler that honours it stops its work. The timer never outlives the call.
 */
export function timeout(ms: number): Middleware {
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new RangeError(`timeout(ms) needs a positive number of milliseconds, got ${ms}`);
  }
  return (context, next) => {
    const controller = new AbortController();
    const outer = context.signal;
    const onOuterAbort = () => controller.abort(outer?.reason);
    if (outer?.aborted) controller.abort(outer.reason);
    else outer?.addEventListener('abort', onOuterAbort, { once: true });
    context.signal = controller.signal;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new TimeoutError(`${context.kind} ${context.messageName}`, ms);
        controller.abort(error);
        reject(error);
      }, ms);
    });
    const work = next();
    // The losing side of the race must never surface as an unhandled rejection.
    work.catch(() => undefined);
    return Promise.race([work, expired]).finally(() => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuterAbort);
      context.signal = outer;
    });
  };
}

/** Options of {@link retry}. */
export interface RetryOptions {
  /** Error codes worth another attempt. Default `['CONCURRENCY_CONFLICT']`. */
  codes?: readonly string[];
  /** Attempts after the first one. Default 3. */
  attempts?: number;
  /** Delay before retry `n` (1-based) in ms. Default: 5·2ⁿ⁻¹ ms with full jitter. */
  backoff?: (attempt: number) => number;
}

/**
 * Runs a *command* again when it fails with one of `codes` (by default `CONCURRENCY_CONFLICT`,
 * three more times with jittered backoff). Queries pass through untouched. The last error is rethrown.
 */
export function retry(options: RetryOptions = {}): Middleware {
  const codes = new Set(options.codes ?? ['CONCURRENCY_CONFLICT']);
  const attempts = options.attempts ?? 3;
  const backoff = options.backoff ?? ((n: number) => Math.random() * 5 * 2 ** (n - 1));
  return async (context, next) => {
    if (context.kind !== 'command') return next();
    for (let attempt = 0; ; attempt++) {
      try {
        return await next();
      } catch (error) {
        const retriable = isKernelError(error) && codes.has(error.code);
        const again = retriable && attempt < attempts && context.signal?.aborted !== true;
        if (retriable) signal({ kind: 'attempt-failed', messageName: context.messageName, code: error.code, retried: again });
        if (!again) throw error;
        const delay = backoff(attempt + 1);
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  };
}

/** Composes `middleware` around `terminal` once; the result runs the whole pipeline for a context. */
export function compose(
  middleware: readonly Middleware[],
  terminal: (context: DispatchContext) => Promise<unknown>,
): (context: DispatchContext) => Promise<unknown> {
  let run = terminal;
  for (let i = middleware.length - 1; i >= 0; i--) {
    const mw = middleware[i] as WithBefore;
    const next = run;
    const before = mw[BEFORE];
    run = before === undefined ? (context) => mw(context, () => next(context)) : (context) => (before(context), next(context));
  }
  return run;
}
