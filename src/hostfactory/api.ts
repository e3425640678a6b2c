import { GetRequestStatus, SyncReclaimNotices, SyncRequest, type HostFactory, type RequestStatusDto } from '../application';
import { isHostFactoryError, silentLogger, type Logger } from '../kernel';
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
}

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
      if (isHostFactoryError(error)) logger.warn(`${operation} failed: ${error.message}`, { operation, code: error.code });
      else logger.error(`${operation} failed unexpectedly`, { operation, error: errorText(error), stack: error instanceof Error ? error.stack : undefined });
      return { ok: false, document: formatErrorOutput(error, operation), exitCode: HOSTFACTORY_EXIT_CODES.failed };
    }
  }

  async function statusOf(requestId: string): Promise<WireRequestStatusEntry> {
    let note: string | undefined;
    try {
      await commands.execute(SyncRequest.from({ requestId }));
    } catch (error) {
      if (isHostFactoryError(error, 'REQUEST_NOT_FOUND')) return formatRequestNotFoundEntry(requestId);
      logger.warn(`getRequestStatus could not synchronise ${requestId}; answering from stored state`, { requestId, error: errorText(error) });
      const reason = isHostFactoryError(error) ? error.message : 'an unexpected error (see the provider log)';
      note = `The provider could not be asked for fresh status, so this is the last known state: ${reason}`;
    }
    let status: RequestStatusDto;
    try {
      status = await queries.execute(GetRequestStatus.from({ requestId }));
    } catch (error) {
      if (isHostFactoryError(error, 'REQUEST_NOT_FOUND')) return formatRequestNotFoundEntry(requestId);
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
          if (!isHostFactoryError(error, 'MACHINE_NOT_FOUND')) throw error;
          logger.warn('requestReturnMachines named no active machine', { operation: 'requestReturnMachines', machines: command.machines.length });
          return new Answered(formatNoActiveMachinesOutput(command.machines.map((m) => m.name ?? m.machineId ?? '')), HOSTFACTORY_EXIT_CODES.failed);
        }
      }),

    getReturnRequests: (input) =>
      answer('getReturnRequests', async () => {
        const query = parseGetReturnRequestsInput(input);
        let note: string | undefined;
        try {
          await commands.execute(SyncReclaimNotices.from({}));
        } catch (error) {
          logger.warn('getReturnRequests could not fetch reclaim notices; answering from the recorded ones', { error: errorText(error) });
          note = `The cloud could not be asked for new notices, so these are the last recorded ones: ${isHostFactoryError(error) ? error.message : 'an unexpected error (see the provider log)'}`;
        }
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
