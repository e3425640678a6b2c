import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import type { HostFactory } from '../application/host-factory';
import { KernelError, isKernelError, type Logger } from '../kernel';
import { errorText, formatErrorOutput, HOSTFACTORY_EXIT_CODES } from './errors';
import { fileLogger, jsonLinesLogger } from './file-logger';
import { parseJsonText } from './json-text';
import { HOSTFACTORY_INPUT_LIMITS } from './input';
import { parsedOperations, parseOperation, runParsedOperation, type HostFactoryApiOptions, type OperationResult, type ParsedOperation } from './operations';
import { configuredActionTimeoutMs, providerTimeBudget, type ProviderTimeBudget } from './provider-directories';
import { resolveProviderEnvironment, type HostFactoryProduct, type ProviderEnvironment } from './provider-environment';
import type { CallRecorder } from './recording/recorder';
import { openOperationRecorder, type RecordingSettings } from './recording/recording-environment';
import { HOSTFACTORY_OPERATIONS, type HostFactoryOperation } from './wire';

/** Where a text stream goes: `process.stdout`, `process.stderr`, or a test's collector. */
export interface TextSink {
  write(chunk: string): unknown;
}

/** What {@link HostFactoryIo.createHostFactory} is told about the call it serves. */
export interface HostFactoryContext {
  readonly operation: HostFactoryOperation;
  /** Give this to `createHostFactory({ logger })`: it writes to the provider's log file or standard error, never stdout. */
  readonly logger: Logger;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The provider's directories and settings from its product's environment; absent with `environment: 'none'`. */
  readonly provider?: ProviderEnvironment;
  /** Give `providerTimeoutMs` to `createHostFactory({ limits })`: it fits the product's action timeout. */
  readonly budget: ProviderTimeBudget;
  /**
   * Set when this call is recorded: build the host factory on `recorder.provider(cloud)`,
   * `recorder.clock(clock)` and `recorder.ids(ids)` so its port calls, clock readings and ids are
   * kept, and `recorder.note({ setup: { templates } })` the templates document you import or read.
   */
  readonly recorder?: CallRecorder;
}

/** The outside world of one provider script run. Only `createHostFactory`, `stdout` and `stderr` are required. */
export interface HostFactoryIo {
  /** Builds the host factory on the host's storage and provider adapters; `dispose()` is called when the run ends. */
  createHostFactory(context: HostFactoryContext): HostFactory | Promise<HostFactory>;
  /** Receives exactly one JSON document. */
  readonly stdout: TextSink;
  /** Receives log lines when there is no provider log directory (or it cannot be used). */
  readonly stderr: TextSink;
  /** Default `process.env`: the product's variables ({@link resolveProviderEnvironment}) choose the directories and the log file. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Whose environment to read: `'auto'` (default) detects Symphony or LSF, `'symphony'` or `'lsf'`
   * forces one, `'none'` reads none (no `context.provider`; logs go to `stderr`).
   */
  readonly environment?: HostFactoryProduct | 'auto' | 'none';
  /** Reads the `-f` file. Default {@link readInputFile} (regular files only, at most 16 MiB). */
  readonly readFile?: (path: string) => Promise<string>;
  /** Overrides the log destination chosen from the environment. */
  readonly logger?: Logger;
  /**
   * Records the call (docs/replay.md). Default: as `HF_PROVIDER_RECORD` and its companions say
   * ({@link recordingFromEnvironment}), into the provider's log directory; `false`: never.
   */
  readonly recording?: RecordingSettings | false;
}

/** Operations whose input may be empty or absent (no `-f`, or an empty file, reads as `{}`). */
const OPTIONAL_INPUT: ReadonlySet<HostFactoryOperation> = new Set(['getAvailableTemplates']);

/** Problems with the script's arguments or its `-f` file (`INVALID_INVOCATION`, `INVALID_INPUT_FILE`). */
class RunError extends KernelError {
  constructor(
    code: 'INVALID_INVOCATION' | 'INVALID_INPUT_FILE',
    message: string,
    readonly exitCode: 1 | 2,
    details: Record<string, unknown> = {},
  ) {
    super(code, message, { details });
  }
}

/**
 * Runs one Symphony operation as its provider script does: reads `-f <file>` (also `--file`,
 * `-f=`), checks the input before creating the host factory (bad input writes nothing), runs it,
 * prints exactly one JSON document to `io.stdout` and returns the exit status (0 answered, 1 failed,
 * 2 called wrongly). The provider environment is read first (`io.environment`): a missing or bad
 * variable is answered with one error document naming it, exit 1, before anything is written. Logs
 * go to the provider's log file (`<name>-provider.log`) or `io.stderr`. Never throws, never exits.
 */
export async function runHostFactoryOperation(operation: string, argv: readonly string[], io: HostFactoryIo): Promise<number> {
  const env = io.env ?? process.env;
  let provider: ProviderEnvironment | undefined;
  let environmentError: unknown;
  try {
    const mode = io.environment ?? 'auto';
    if (mode !== 'none') provider = resolveProviderEnvironment(env, mode === 'auto' ? {} : { product: mode });
    if (provider?.product === 'symphony' && provider.actionTimeoutMs === undefined) {
      const configured = configuredActionTimeoutMs(env);
      if (configured !== undefined) provider = { ...provider, actionTimeoutMs: configured };
    }
  } catch (error) {
    environmentError = error;
  }
  const logger = io.logger ?? defaultLogger(provider, io.stderr);
  const recorder = await openOperationRecorder(io.recording, env, provider, logger);
  const budget = providerTimeBudget(provider?.actionTimeoutMs);
  const options = apiOptions(provider, budget);
  const work = async () =>
    environmentError === undefined
      ? run(operation, argv, io, { env, logger, budget, ...(provider === undefined ? {} : { provider }), ...(recorder === undefined ? {} : { recorder }) }, options)
      : refuseEnvironment(operation, environmentError, logger);
  let result: OperationResult<unknown>;
  try {
    const start = { operation, dialect: options.dialect ?? 'symphony', ...(options.reconcile === undefined ? {} : { options: { reconcile: options.reconcile } }) } as const;
    result = recorder === undefined ? await work() : await recorder.record(start, work);
  } catch (error) {
    // run() answers every expected failure itself; this is the last guard for exactly one document.
    logger.error('the provider script failed unexpectedly', { operation, error: errorText(error), stack: error instanceof Error ? error.stack : undefined });
    result = { ok: false, document: formatErrorOutput(error, isOperation(operation) ? operation : undefined), exitCode: HOSTFACTORY_EXIT_CODES.failed };
  }
  recorder?.close();
  io.stdout.write(`${JSON.stringify(result.document, null, 2)}\n`);
  logger.info(`${operation} finished with exit status ${result.exitCode}`, { operation, exitCode: result.exitCode });
  return result.exitCode;
}

/** The answer when the provider environment cannot be used: nothing is read or written. */
function refuseEnvironment(operation: string, error: unknown, logger: Logger): OperationResult<unknown> {
  if (isKernelError(error)) logger.error(`${operation}: ${error.message}`, { operation, code: error.code, variable: error.details.variable });
  return { ok: false, document: formatErrorOutput(error, isOperation(operation) ? operation : undefined), exitCode: HOSTFACTORY_EXIT_CODES.failed };
}

async function run(
  operation: string,
  argv: readonly string[],
  io: HostFactoryIo,
  call: Omit<HostFactoryContext, 'operation'>,
  options: HostFactoryApiOptions,
): Promise<OperationResult<unknown>> {
  const { logger } = call;
  let parsed: ParsedOperation;
  try {
    if (!isOperation(operation)) {
      throw new RunError('INVALID_INVOCATION', `Unknown operation "${operation}": use one of ${HOSTFACTORY_OPERATIONS.join(', ')}.`, HOSTFACTORY_EXIT_CODES.usage);
    }
    const input = await readInput(operation, argv, io.readFile ?? readInputFile);
    call.recorder?.note({ input: input ?? null });
    parsed = parseOperation(operation, input);
  } catch (error) {
    if (isKernelError(error)) logger.warn(`${operation}: ${error.message}`, { operation, code: error.code });
    else logger.error(`${operation}: reading the input failed`, { operation, error: errorText(error) });
    const exitCode = error instanceof RunError ? error.exitCode : HOSTFACTORY_EXIT_CODES.failed;
    return { ok: false, document: formatErrorOutput(error, isOperation(operation) ? operation : undefined), exitCode };
  }

  let hostFactory: HostFactory | undefined;
  try {
    hostFactory = await io.createHostFactory({ operation, ...call });
    return await runParsedOperation(parsedOperations(hostFactory, options, logger), parsed);
  } catch (error) {
    logger.error(`${operation}: the host factory could not be created`, { operation, error: errorText(error), stack: error instanceof Error ? error.stack : undefined });
    return { ok: false, document: formatErrorOutput(error, operation), exitCode: HOSTFACTORY_EXIT_CODES.failed };
  } finally {
    try {
      hostFactory?.dispose();
    } catch (error) {
      logger.warn(`${operation}: disposing the host factory failed`, { operation, error: errorText(error) });
    }
  }
}

/** The API options a script call runs with: its product's dialect, and a reconcile budget within the product's action timeout. */
function apiOptions(provider: ProviderEnvironment | undefined, budget: ProviderTimeBudget): HostFactoryApiOptions {
  return {
    ...(provider?.actionTimeoutMs === undefined ? {} : { reconcile: { budgetMs: budget.reconcileBudgetMs } }),
    ...(provider === undefined ? {} : { dialect: provider.product }),
  };
}

function isOperation(name: string): name is HostFactoryOperation {
  return (HOSTFACTORY_OPERATIONS as readonly string[]).includes(name);
}

/** The `-f` file of `argv`, or undefined when none is given; other arguments are refused. */
export function parseFileArgument(argv: readonly string[]): string | undefined {
  let file: string | undefined;
  const take = (value: string | undefined, flag: string) => {
    if (value === undefined || value === '') throw new RunError('INVALID_INVOCATION', `${flag} needs a file name: run the script as <script> -f <input.json>.`, HOSTFACTORY_EXIT_CODES.usage);
    if (file !== undefined) throw new RunError('INVALID_INVOCATION', 'The input file is given twice: pass -f <file> once.', HOSTFACTORY_EXIT_CODES.usage);
    file = value;
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    if (flag === '-f' || flag === '--file') {
      if (eq < 0) take(argv[++i], flag);
      else take(arg.slice(eq + 1), flag);
    } else {
      throw new RunError('INVALID_INVOCATION', `Unexpected argument "${arg.slice(0, 60)}": run the script as <script> -f <input.json>.`, HOSTFACTORY_EXIT_CODES.usage);
    }
  }
  return file;
}

async function readInput(operation: HostFactoryOperation, argv: readonly string[], readFile: (path: string) => Promise<string>): Promise<unknown> {
  const file = parseFileArgument(argv);
  if (file === undefined) {
    if (OPTIONAL_INPUT.has(operation)) return undefined;
    throw new RunError('INVALID_INVOCATION', `${operation} needs its input document: run it as ${operation} -f <input.json>.`, HOSTFACTORY_EXIT_CODES.usage);
  }
  const text = (await readFile(file)).replace(/^\uFEFF/, '');
  if (text.trim() === '') {
    if (OPTIONAL_INPUT.has(operation)) return undefined;
    throw new RunError('INVALID_INPUT_FILE', `The input file "${file}" is empty: it must hold the ${operation} JSON input document.`, HOSTFACTORY_EXIT_CODES.failed, { path: file });
  }
  // The syntax error names a line and column only: the engine's message quotes the file's start.
  return parseJsonText(
    text,
    (where, location) =>
      new RunError('INVALID_INPUT_FILE', `The input file "${file}" is not valid JSON (syntax error at ${where}): it must hold the ${operation} JSON input document.`, HOSTFACTORY_EXIT_CODES.failed, {
        path: file,
        ...(location === undefined ? {} : { line: location.line, column: location.column }),
      }),
  );
}

/**
 * Reads an input file as UTF-8 text: only a regular file (a directory, FIFO or device is refused
 * without blocking), at most `maxBytes`. Problems are `INVALID_INPUT_FILE` errors that name the fix.
 * The file is opened read-only and never written or executed. Read with synchronous calls: a script
 * reads one small file, and the thread pool `fs/promises` would start costs more than the read.
 */
export async function readInputFile(path: string, maxBytes: number = HOSTFACTORY_INPUT_LIMITS.maxFileBytes): Promise<string> {
  const fail = (what: string) =>
    new RunError('INVALID_INPUT_FILE', `The input file "${path}" ${what}: pass the path of the JSON input file Symphony wrote.`, HOSTFACTORY_EXIT_CODES.failed, { path });
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; it is then refused as not a regular file.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw fail('does not exist');
    if (code === 'EACCES' || code === 'EPERM') throw fail('cannot be read (permission denied)');
    if (code === 'EISDIR') throw fail('is a directory, not a regular file');
    throw fail(`cannot be opened (${code ?? 'unknown error'})`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw fail(stat.isDirectory() ? 'is a directory, not a regular file' : 'is not a regular file');
    if (stat.size > maxBytes) throw fail(`is ${stat.size} bytes; at most ${maxBytes} are read`);
    const text = readFileSync(fd, { encoding: 'utf8' });
    if (Buffer.byteLength(text, 'utf8') > maxBytes) throw fail(`is larger than ${maxBytes} bytes`);
    return text;
  } finally {
    closeSync(fd);
  }
}

function defaultLogger(provider: ProviderEnvironment | undefined, stderr: TextSink): Logger {
  const toStderr = jsonLinesLogger((line) => void stderr.write(line), provider?.logLevel);
  if (provider === undefined) return toStderr;
  try {
    return fileLogger(provider.logDir, { fileName: provider.logFileName, level: provider.logLevel });
  } catch (error) {
    toStderr.warn(`The log directory (${provider.describe.logDir}) cannot be used; logging to standard error instead`, { error: errorText(error) });
    return toStderr;
  }
}
