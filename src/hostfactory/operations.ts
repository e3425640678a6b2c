import { collectReturnRequests, reportRequestStatus, type UseCaseBuses } from '../application/requests/status-reports';
import { isKernelError, type Logger } from '../kernel';
import { errorText, formatErrorOutput, HOSTFACTORY_EXIT_CODES } from './errors';
import {
  parseGetAvailableTemplatesInput,
  parseGetRequestStatusInput,
  parseGetReturnRequestsInput,
  parseRequestMachinesInput,
  parseRequestReturnMachinesInput,
} from './input';
import {
  formatGetAvailableTemplatesOutput,
  formatGetRequestStatusOutput,
  formatGetReturnRequestsLsfReport,
  formatGetReturnRequestsReport,
  formatNoActiveMachinesOutput,
  formatRequestMachinesOutput,
  formatRequestReturnMachinesOutput,
  formatRequestStatusReport,
} from './output';
import type { HostFactoryProduct } from './provider-environment';
import type { CallRecorder } from './recording/recorder';
import type {
  ErrorOutput,
  GetAvailableTemplatesOutput,
  GetRequestStatusOutput,
  GetReturnRequestsLsfOutput,
  GetReturnRequestsOutput,
  HostFactoryOperation,
  RequestIdOutput,
} from './wire';

/*
 * The five Symphony operations on input already parsed, shared by the public API (which parses
 * first) and the provider-script runner (which parses before it opens the host factory): each
 * document is parsed once.
 */

/**
 * What one operation answers: the document to print and the exit status of the script. Narrow on
 * `ok` (or `exitCode === 0`): success carries the operation's document, failure an
 * {@link ErrorOutput} with exit status 1 (failed) or 2 (called wrongly).
 */
export type OperationResult<D> =
  | { readonly ok: true; readonly exitCode: 0; readonly document: D }
  | { readonly ok: false; readonly exitCode: 1 | 2; readonly document: ErrorOutput };

/** Options of `createHostFactoryApi`. */
export interface HostFactoryApiOptions {
  /** Where failures and provider trouble are logged (with details kept out of the documents). Default silent. */
  readonly logger?: Logger;
  /**
   * The `Reconcile` run each getReturnRequests makes (Symphony calls it periodically): at most `limit`
   * requests, starting none after `budgetMs`. `false` turns it off (run `Reconcile` elsewhere then).
   * Default: `Reconcile`'s own `limit` and `DEFAULT_PROVIDER_TIME_BUDGET.reconcileBudgetMs`.
   */
  readonly reconcile?: false | { readonly limit?: number; readonly budgetMs?: number };
  /**
   * The product's document dialect. `'lsf'` (LSF's resource connector) answers getReturnRequests
   * with `{ machine, machineId }` items instead of Symphony's `{ machine, gracePeriod }`. Default `'symphony'`.
   */
  readonly dialect?: HostFactoryProduct;
  /**
   * Records each call (input, answer, exit status, and the port calls, clock readings and ids of
   * ports wrapped by the same recorder) as one JSON line: `createCallRecorder()`, docs/replay.md.
   * Default: none.
   */
  readonly recorder?: CallRecorder;
}

/** Each operation's input parser. */
export const INPUT_PARSERS = {
  getAvailableTemplates: parseGetAvailableTemplatesInput,
  requestMachines: parseRequestMachinesInput,
  getRequestStatus: parseGetRequestStatusInput,
  requestReturnMachines: parseRequestReturnMachinesInput,
  getReturnRequests: parseGetReturnRequestsInput,
} as const satisfies Record<HostFactoryOperation, (input: unknown) => unknown>;

type ParsedInputs = { readonly [O in HostFactoryOperation]: ReturnType<(typeof INPUT_PARSERS)[O]> };

interface Outputs {
  getAvailableTemplates: GetAvailableTemplatesOutput;
  requestMachines: RequestIdOutput;
  getRequestStatus: GetRequestStatusOutput;
  requestReturnMachines: RequestIdOutput;
  getReturnRequests: GetReturnRequestsOutput | GetReturnRequestsLsfOutput;
}

/** An operation with its parsed input. */
export type ParsedOperation = { readonly [O in HostFactoryOperation]: { readonly operation: O; readonly input: ParsedInputs[O] } }[HostFactoryOperation];

/** The operations on parsed input; each answers a document, never throws. */
export type ParsedOperations = { readonly [O in HostFactoryOperation]: (input: ParsedInputs[O]) => Promise<OperationResult<Outputs[O]>> };

/** Parses `input` for `operation`; throws the parser's `VALIDATION_FAILED` error. */
export function parseOperation(operation: HostFactoryOperation, input: unknown): ParsedOperation {
  return { operation, input: INPUT_PARSERS[operation](input) } as ParsedOperation;
}

/** Runs one parsed operation. */
export function runParsedOperation(operations: ParsedOperations, parsed: ParsedOperation): Promise<OperationResult<unknown>> {
  return (operations[parsed.operation] as (input: ParsedOperation['input']) => Promise<OperationResult<unknown>>)(parsed.input);
}

/** The five operations over a host factory's buses, on parsed input. */
export function parsedOperations(hostFactory: UseCaseBuses, options: HostFactoryApiOptions, logger: Logger): ParsedOperations {
  const { commands, queries } = hostFactory;
  const answer = <O extends HostFactoryOperation>(operation: O, work: () => Promise<Outputs[O] | Answered>) => answerWith(logger, operation, work);

  return {
    getAvailableTemplates: (query) => answer('getAvailableTemplates', async () => formatGetAvailableTemplatesOutput(await queries.execute(query))),

    requestMachines: (command) => answer('requestMachines', async () => formatRequestMachinesOutput(await commands.execute(command))),

    getRequestStatus: ({ requestIds }) =>
      answer('getRequestStatus', async () => formatGetRequestStatusOutput((await reportRequestStatus(hostFactory, requestIds, logger)).map(formatRequestStatusReport))),

    requestReturnMachines: (command) =>
      answer('requestReturnMachines', async () => {
        try {
          return formatRequestReturnMachinesOutput(await commands.execute(command));
        } catch (error) {
          if (!isKernelError(error, 'MACHINE_NOT_FOUND')) throw error;
          logger.warn('requestReturnMachines named no active machine', { operation: 'requestReturnMachines', machines: command.machines.length });
          return new Answered(formatNoActiveMachinesOutput(command.machines.map((m) => m.name ?? m.machineId ?? '')), HOSTFACTORY_EXIT_CODES.failed);
        }
      }),

    getReturnRequests: (query) =>
      answer('getReturnRequests', async () => {
        const report = await collectReturnRequests(hostFactory, query, { logger, ...(options.reconcile === undefined ? {} : { reconcile: options.reconcile }) });
        return options.dialect === 'lsf' ? formatGetReturnRequestsLsfReport(report) : formatGetReturnRequestsReport(report);
      }),
  };
}

/** Runs `work` and answers its document; a throw becomes the error document (logged), exit status 1. */
export async function answerWith<D>(logger: Logger, operation: HostFactoryOperation, work: () => Promise<D | Answered>): Promise<OperationResult<D>> {
  try {
    const done = await work();
    return done instanceof Answered ? done : { ok: true, document: done as D, exitCode: HOSTFACTORY_EXIT_CODES.ok };
  } catch (error) {
    if (isKernelError(error)) logger.warn(`${operation} failed: ${error.message}`, { operation, code: error.code });
    else logger.error(`${operation} failed unexpectedly`, { operation, error: errorText(error), stack: error instanceof Error ? error.stack : undefined });
    return { ok: false, document: formatErrorOutput(error, operation), exitCode: HOSTFACTORY_EXIT_CODES.failed };
  }
}

/** A finished answer that is not the plain success document: an error document with its exit status. */
class Answered {
  readonly ok = false;
  constructor(
    readonly document: ErrorOutput,
    readonly exitCode: 1 | 2,
  ) {}
}
