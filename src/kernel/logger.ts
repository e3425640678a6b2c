/** Structured fields attached to a log line. Never put message bodies here unless the host opts in. */
export type LogFields = Record<string, unknown>;

/**
 * The logging port. The kernel and the shipped middleware log through it; a host adapts its own
 * logger (pino, winston, console) in four one-line methods.
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** A logger that drops everything: the default, so a library never writes where it was not asked to. */
export const silentLogger: Logger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
});

/**
 * A logger that writes one JSON line per entry to standard error (never standard output, which a
 * Symphony provider script reserves for its answer). Entries below `level` are dropped.
 */
export function stderrLogger(level: 'debug' | 'info' | 'warn' | 'error' = 'info'): Logger {
  const order = ['debug', 'info', 'warn', 'error'] as const;
  const min = order.indexOf(level);
  const write = (lvl: (typeof order)[number]) => (message: string, fields?: LogFields) => {
    if (order.indexOf(lvl) < min) return;
    process.stderr.write(`${JSON.stringify({ ...fields, time: new Date().toISOString(), level: lvl, message })}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
