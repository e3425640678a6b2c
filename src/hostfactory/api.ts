import { GetRequestStatus, Reconcile, SyncReclaimNotices, SyncRequest, type HostFactory, type RequestStatusDto } from '../application';
import { isKernelError, silentLogger, type Logger } from '../kernel';
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
  formatGetReturnRequestsOutput,
  formatNoActiveMachinesOutput,
  formatRequestMachinesOutput,
  formatRequestNotFoundEntry,
  formatRequestReturnMachinesOutput,
  formatRequestStatusEntry,
} from './output';
import type {
  ErrorOutput,
  GetAvailableTemplatesOutput,
  GetRequestStatusOutput,
  GetReturnRequestsOutput,
  HostFactoryOperation,
  RequestIdOutput,
  WireRequestStatusEntry,
} from './wire';

/**
 * What one operation answers: the document to print and the exit status of the script. Narrow on
 * `ok` (or `exitCode === 0`): success carries the operation's document, failure an
 * {@link ErrorOutput} with exit status 1 (failed) or 2 (called wrongly).
 */
export type OperationResult<D> =
  | { readonly ok: true; readonly exitCode: 0; readonly document: D }
  | { readonly ok: false; readonly exitCode: 1 | 2; readonly document: ErrorOutput };

/**
 * The five Symphony operations over a host factory. Each takes the parsed input document (untrusted
 * JSON), never throws, and answers the output document or an error document with a non-zero exit.
 */
export interface HostFactoryApi {
  getAvailableTemplates(input?: unknown): Promise<OperationResult<GetAvailableTemplatesOutput>>;
  requestMachines(input: unknown): Promise<OperationResult<RequestIdOutput>>;
  getRequestStatus(input: unknown): Promise<OperationResult<GetRequestStatusOutput>>;
  requestReturnMachines(input: unknown): Promise<OperationResult<RequestIdOutput>>;
  getReturnRequests(input?: unknown): Promise<OperationResult<GetReturnRequestsOutput>>;
}

/** Options of {@link createHostFactoryApi}. */
export interface HostFactoryApiOptions {
  /** Where failures and provider trouble are logged (with details kept out of the documents). Default silent. */
  readonly logger?: Logger;
  /**
   * The `Reconcile` run each getReturnRequests makes (Symphony calls it periodically): at most `limit`
   * requests, starting none after `budgetMs`. `false` turns it off (run `Reconcile` elsewhere then).
   * Default `{ limit: 25, budgetMs: 10000 }`.
   */
  readonly reconcile?: false | { readonly limit?: number; readonly budgetMs?: number };
}

const DEFAULT_API_RECONCILE = { limit: 25, budgetMs: 10_000 };

/**
 * The Symphony provider API on a host factory (`createHostFactory()` or anything with its buses).
 * Bad input is rejected before any command runs, so it writes nothing.
 */
export function createHostFactoryApi(hostFactory: Pick<HostFactory, 'commands' | 'queries'>, options: HostFactoryApiOptions = {}): HostFactoryApi {
  const { commands, queries } = hostFactory;
  const logger = options.logger ?? silentLogger;

  async function answer<D>(operation: HostFactoryOperation, work: () => Promise<D | Answered>): Promise<OperationResult<D>> {
    try {
      const done = await work();
      return done instanceof Answered ? done : { ok: true, document: done as D, exitCode: HOSTFACTORY_EXIT_CODES.ok };
    } catch (error) {
      if (isKernelError(error)) logger.warn(`${operation} failed: ${error.message}`, { operation, code: error.code });
      else logger.error(`${operation} failed unexpectedly`, { operation, error: errorText(error), stack: error instanceof Error ? error.stack : undefined });
      return { ok: false, document: formatErrorOutput(error, operation), exitCode: HOSTFACTORY_EXIT_CODES.failed };
    }
  }

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
    getAvailableTemplates: (input) =>
      answer('getAvailableTemplates', async () => formatGetAvailableTemplatesOutput(await queries.execute(parseGetAvailableTemplatesInput(input)))),

    requestMachines: (input) =>
      answer('requestMachines', async () => formatRequestMachinesOutput(await commands.execute(parseRequestMachinesInput(input)))),

    getRequestStatus: (input) =>
      answer('getRequestStatus', async () => {
        const { requestIds } = parseGetRequestStatusInput(input);
        const entries: WireRequestStatusEntry[] = [];
        // One at a time: each sync is a provider call plus a commit; order follows the input.
        for (const requestId of requestIds) entries.push(await statusOf(requestId));
        return formatGetRequestStatusOutput(entries);
      }),

    requestReturnMachines: (input) =>
      answer('requestReturnMachines', async () => {
        const command = parseRequestReturnMachinesInput(input);
        try {
          return formatRequestReturnMachinesOutput(await commands.execute(command));
        } catch (error) {
          if (!isKernelError(error, 'MACHINE_NOT_FOUND')) throw error;
          logger.warn('requestReturnMachines named no active machine', { operation: 'requestReturnMachines', machines: command.machines.length });
          return new Answered(formatNoActiveMachinesOutput(command.machines.map((m) => m.name ?? m.machineId ?? '')), HOSTFACTORY_EXIT_CODES.failed);
        }
      }),

    getReturnRequests: (input) =>
      answer('getReturnRequests', async () => {
        const query = parseGetReturnRequestsInput(input);
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
        const output = formatGetReturnRequestsOutput(wanted);
        return note === undefined ? output : { ...output, message: `${output.message} ${note}` };
      }),
  };
}

/** A finished answer that is not the plain success document: an error document with its exit status. */
class Answered {
  readonly ok = false;
  constructor(
    readonly document: ErrorOutput,
    readonly exitCode: 1 | 2,
  ) {}
}
