import { GetRequestStatus } from '../application/requests/request.queries';
import { Reconcile } from '../application/reconcile/reconcile.command';
import { SyncReclaimNotices, SyncRequest } from '../application/requests/request.commands';
import { type HostFactory } from '../application/host-factory';
import { type RequestStatusDto } from '../application/read-models/request.dto';
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
  formatGetReturnRequestsLsfOutput,
  formatGetReturnRequestsOutput,
  formatNoActiveMachinesOutput,
  formatRequestMachinesOutput,
  formatRequestNotFoundEntry,
  formatRequestReturnMachinesOutput,
  formatRequestStatusEntry,
} from './output';
import { DEFAULT_PROVIDER_TIME_BUDGET } from './provider-directories';
import type { HostFactoryProduct } from './provider-environment';
import type {
  ErrorOutput,
  GetAvailableTemplatesOutput,
  GetRequestStatusOutput,
  GetReturnRequestsLsfOutput,
  GetReturnRequestsOutput,
  HostFactoryOperation,
  RequestIdOutput,
  WireRequestStatusEntry,
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

/** getReturnRequests' Reconcile: the command's default limit, and the Symphony layer's time budget for it. */
const DEFAULT_API_RECONCILE = { budgetMs: DEFAULT_PROVIDER_TIME_BUDGET.reconcileBudgetMs };

/** The five operations over a host factory's buses, on parsed input. */
export function parsedOperations(hostFactory: Pick<HostFactory, 'commands' | 'queries'>, options: HostFactoryApiOptions, logger: Logger): ParsedOperations {
  const { commands, queries } = hostFactory;
  const answer = <O extends HostFactoryOperation>(operation: O, work: () => Promise<Outputs[O] | Answered>) => answerWith(logger, operation, work);

  /** One bounded Reconcile run; its failure is logged and never fails the operation. */
  async function reconcile(): Promise<void> {
    if (options.reconcile === false) return;
    try {
      const result = await commands.execute(Reconcile.from({ ...DEFAULT_API_RECONCILE, ...options.reconcile }));
      if (result.abandoned + result.errors + result.conflicts > 0) logger.info('getReturnRequests reconciled open requests', { ...result });
    } catch (error) {
      logger.warn('getReturnRequests could not reconcile open requests; the next call tries again', { error: errorText(error) });
    }
  }

  async function statusOf(requestId: string): Promise<WireRequestStatusEntry> {
    let note: string | undefined;
    try {
      await commands.execute(SyncRequest.from({ requestId }));
    } catch (error) {
      if (isKernelError(error, 'REQUEST_NOT_FOUND')) return formatRequestNotFoundEntry(requestId);
      logger.warn(`getRequestStatus could not synchronise ${requestId}; answering from stored state`, { requestId, error: errorText(error) });
      const reason = isKernelError(error) ? error.message : 'an unexpected error (see the provider log)';
      note = `The provider could not be asked for fresh status, so this is the last known state: ${reason}`;
    }
    let status: RequestStatusDto;
    try {
      status = await queries.execute(GetRequestStatus.from({ requestId }));
    } catch (error) {
      if (isKernelError(error, 'REQUEST_NOT_FOUND')) return formatRequestNotFoundEntry(requestId);
      throw error;
    }
    return formatRequestStatusEntry(status, note);
  }

  return {
    getAvailableTemplates: (query) => answer('getAvailableTemplates', async () => formatGetAvailableTemplatesOutput(await queries.execute(query))),

    requestMachines: (command) => answer('requestMachines', async () => formatRequestMachinesOutput(await commands.execute(command))),

    getRequestStatus: ({ requestIds }) =>
      answer('getRequestStatus', async () => {
        const entries: WireRequestStatusEntry[] = [];
        // One at a time: each sync is a provider call plus a commit; order follows the input.
        for (const requestId of requestIds) entries.push(await statusOf(requestId));
        return formatGetRequestStatusOutput(entries);
      }),

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
        const machines = (query.machines ?? []).map(({ machineId, name }) => ({ ...(machineId === undefined ? {} : { machineId }), ...(name === undefined ? {} : { name }) }));
        let note: string | undefined;
        try {
          // The held hosts too: one the cloud took back behind Symphony's back is corrected and listed.
          await commands.execute(SyncReclaimNotices.from({ machines }));
        } catch (error) {
          logger.warn('getReturnRequests could not fetch reclaim notices; answering from the recorded ones', { error: errorText(error) });
          note = `The cloud could not be asked for new notices, so these are the last recorded ones: ${isKernelError(error) ? error.message : 'an unexpected error (see the provider log)'}`;
        }
        await reconcile();
        const wanted = await queries.execute(query);
        const output = options.dialect === 'lsf' ? formatGetReturnRequestsLsfOutput(wanted) : formatGetReturnRequestsOutput(wanted);
        return note === undefined ? output : { ...output, message: `${output.message} ${note}` };
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
