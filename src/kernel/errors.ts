/**
 * Errors of the kernel. Every error the library throws is a {@link KernelError}: a stable
 * string `code`, a message that says what to fix, the offending values in `details`, and the
 * original `cause` when there is one.
 */

/** Brand shared by every copy of the package (ESM and CJS loaded together), see isKernelError. */
const ERROR_BRAND: unique symbol = Symbol.for('hostfactory-kernel.error') as never;

/** Plain, JSON-safe form of a {@link KernelError}, as returned by `toJSON()`. */
export interface KernelErrorJSON {
  name: string;
  code: string;
  message: string;
  details: Record<string, unknown>;
  cause?: unknown;
}

/** Options accepted by every error constructor of the library. */
export interface KernelErrorOptions {
  /** The offending values, kept JSON-safe so they can travel in logs and error documents. */
  details?: Record<string, unknown>;
  /** The lower-level error that led to this one. */
  cause?: unknown;
}

/**
 * Base class of every error the library throws. `code` is stable across releases; match on it
 * (or use {@link isKernelError}) rather than on `instanceof` or the message text.
 */
export class KernelError extends Error {
  declare readonly [ERROR_BRAND]: true;
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(code: string, message: string, options: KernelErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details ?? {};
    Object.defineProperty(this, ERROR_BRAND, { value: true, enumerable: false });
  }

  /** A JSON-safe view: name, code, message, details and a summarised cause (never a stack). */
  toJSON(): KernelErrorJSON {
    const json: KernelErrorJSON = {
      name: this.name,
      code: this.code,
      message: this.message,
      details: this.details,
    };
    if (this.cause !== undefined) json.cause = summariseCause(this.cause);
    return json;
  }
}

function summariseCause(cause: unknown): unknown {
  if (isKernelError(cause)) return cause.toJSON();
  if (cause instanceof Error) return { name: cause.name, message: cause.message };
  if (typeof cause === 'object' && cause !== null) {
    // Error-like data (a serialised error, an object without a prototype): keep its name and message only.
    const { name, message } = cause as { name?: unknown; message?: unknown };
    return typeof message === 'string' ? { ...(typeof name === 'string' ? { name } : {}), message } : '[object]';
  }
  return String(cause);
}

/**
 * True when `error` is a {@link KernelError} from any copy of this package (ESM or CJS),
 * and, when `code` is given, carries that code.
 */
export function isKernelError(error: unknown, code?: string): error is KernelError {
  if (typeof error !== 'object' || error === null) return false;
  if ((error as Record<symbol, unknown>)[ERROR_BRAND] !== true) return false;
  return code === undefined || (error as KernelError).code === code;
}

/** One failing field of a {@link ValidationError}. */
export interface ValidationIssue {
  /** Full path of the field, e.g. `machines[2].name`; `''` for the value as a whole. */
  path: string;
  /** The rule that failed, e.g. `isInt`, `whitelistValidation`, `isObject`. */
  constraint: string;
  /** A readable sentence saying what is wrong and what is expected. */
  message: string;
}

/** Input failed validation (`VALIDATION_FAILED`); `issues` lists every failing field. */
export class ValidationError extends KernelError {
  readonly issues: readonly ValidationIssue[];

  constructor(subject: string, issues: readonly ValidationIssue[], options: KernelErrorOptions = {}) {
    const shown = issues
      .slice(0, 5)
      .map((i) => (i.path === '' || i.message.startsWith(`${i.path} `) ? i.message : `${i.path}: ${i.message}`))
      .join('; ');
    const more = issues.length > 5 ? `; and ${issues.length - 5} more` : '';
    super('VALIDATION_FAILED', `Invalid ${subject}: ${shown}${more}. Correct these fields and try again.`, {
      ...options,
      details: { subject, issues, ...options.details },
    });
    this.issues = issues;
  }
}

/**
 * No handler is registered for a message (`HANDLER_NOT_FOUND`). `fix` says what to do for the
 * factory that built the kernel; by default it speaks of `createKernel()`.
 */
export class HandlerNotFoundError extends KernelError {
  constructor(kind: string, messageName: string, fix?: string) {
    super(
      'HANDLER_NOT_FOUND',
      `No ${kind} handler for ${messageName}. ` +
        (fix ??
          `List its @${kind}Handler class in createKernel({ handlers: [...] }), ` +
            `or register one with kernel.${kind === 'command' ? 'commands' : 'queries'}.register(${messageName}, handler).`),
      { details: { kind, message: messageName } },
    );
  }
}

/** Two different handler classes claim the same message (`DUPLICATE_HANDLER`). */
export class DuplicateHandlerError extends KernelError {
  constructor(messageName: string, existing: string, duplicate: string, fix?: string) {
    super(
      'DUPLICATE_HANDLER',
      `${messageName} already has the handler ${existing}; ${duplicate} cannot handle it too in one kernel. ` +
        (fix ?? `Keep one handler per command or query (remove one decorator, or list only one of them in createKernel({ handlers })).`),
      { details: { message: messageName, existing, duplicate } },
    );
  }
}

/** An operation ran past its deadline (`TIMEOUT`). */
export class TimeoutError extends KernelError {
  constructor(what: string, ms: number) {
    super('TIMEOUT', `${what} did not finish within ${ms} ms and was aborted. Raise the timeout or find what is slow.`, {
      details: { operation: what, timeoutMs: ms },
    });
  }
}

/** One problem found by `kernel.verify()`. */
export interface KernelProblem {
  code: 'DUPLICATE_HANDLER' | 'UNRESOLVED_DEPENDENCY' | 'UNROUTED_HANDLER' | 'INVALID_SCOPED_SERVICE';
  handler: string;
  message: string;
  /** Constructor parameter position, for `UNRESOLVED_DEPENDENCY`. */
  parameter?: number;
  /** Printable name of the missing token, for `UNRESOLVED_DEPENDENCY`. */
  token?: string;
}

/** `kernel.verify()` found wiring problems (`KERNEL_MISCONFIGURED`); `problems` lists them all. */
export class KernelVerificationError extends KernelError {
  readonly problems: readonly KernelProblem[];

  constructor(problems: readonly KernelProblem[]) {
    super(
      'KERNEL_MISCONFIGURED',
      `The kernel has ${problems.length} wiring problem(s):\n` + problems.map((p) => `  - ${p.message}`).join('\n'),
      { details: { problems } },
    );
    this.problems = problems;
  }
}
