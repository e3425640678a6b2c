import { isKernelError, type CommandBus, type Logger, type QueryBus } from '../../kernel';
import type { ReclaimDto } from '../read-models/machine.dto';
import type { RequestStatusDto } from '../read-models/request.dto';
import { Reconcile } from '../reconcile/reconcile.command';
import { SyncReclaimNotices, SyncRequest } from './request.commands';
import { GetRequestStatus, GetReturnRequests } from './request.queries';

/*
 * The two read-after-sync use cases a requestor polls (Symphony's getRequestStatus and
 * getReturnRequests, or a REST host's status and reclaim endpoints): each asks the cloud first,
 * records what changed, then answers from the read model. A failure to ask the cloud never fails
 * the answer: the stored state is answered, with the reason it may be stale.
 */

/** The buses the use cases dispatch on (a `HostFactory` fits). */
export interface UseCaseBuses {
  readonly commands: CommandBus;
  readonly queries: QueryBus;
}

/** One request of {@link reportRequestStatus}: its status (`null`: no request has the id), and why it may be stale. */
export interface RequestStatusReport {
  readonly requestId: string;
  readonly status: RequestStatusDto | null;
  /** Set when the provider could not be asked: the reason, and `status` is the last stored state. */
  readonly staleReason?: string;
}

/** The answer of {@link collectReturnRequests}: the machines the cloud wants back, and why the list may be stale. */
export interface ReturnRequestsReport {
  readonly reclaims: readonly ReclaimDto[];
  /** Set when the cloud could not be asked for new notices: the reason, and `reclaims` are the recorded ones. */
  readonly staleReason?: string;
}

/**
 * The bounded Reconcile each {@link collectReturnRequests} runs (a requestor polls it periodically):
 * the command's own default limit (`DEFAULT_RECONCILE_LIMIT`) within a 10 s budget.
 */
export const RETURN_REQUESTS_RECONCILE: { readonly limit?: number; readonly budgetMs: number } = Object.freeze({ budgetMs: 10_000 });

/** Options of {@link collectReturnRequests}. */
export interface ReturnRequestsOptions {
  /** The Reconcile run before answering: `false` skips it; default {@link RETURN_REQUESTS_RECONCILE}. */
  readonly reconcile?: false | { readonly limit?: number; readonly budgetMs?: number };
  /** Where a failed cloud call or reconcile is logged. */
  readonly logger: Logger;
}

const UNEXPECTED = 'an unexpected error (see the provider log)';

/**
 * Status of each of `requestIds`, in order, one at a time: syncs the request with the provider
 * (`SyncRequest`, which also records the requester's acknowledgement) and reads its status. An
 * unknown id answers `status: null`; a sync failure is logged and answered from stored state with
 * `staleReason`. Throws `VALIDATION_FAILED` before any work when an id is not storable text, and
 * otherwise only what reading the stored status throws.
 */
export async function reportRequestStatus(buses: UseCaseBuses, requestIds: readonly string[], logger: Logger): Promise<RequestStatusReport[]> {
  const syncs = requestIds.map((requestId) => SyncRequest.from({ requestId }));
  const reports: RequestStatusReport[] = [];
  // One at a time: each sync is a provider call plus a commit; order follows the input.
  for (const sync of syncs) reports.push(await statusOf(buses, sync, logger));
  return reports;
}

async function statusOf({ commands, queries }: UseCaseBuses, sync: SyncRequest, logger: Logger): Promise<RequestStatusReport> {
  const { requestId } = sync;
  let staleReason: string | undefined;
  try {
    await commands.execute(sync);
  } catch (error) {
    if (isKernelError(error, 'REQUEST_NOT_FOUND')) return { requestId, status: null };
    logger.warn(`getRequestStatus could not synchronise ${requestId}; answering from stored state`, { requestId, error: errorText(error) });
    staleReason = isKernelError(error) ? error.message : UNEXPECTED;
  }
  try {
    const status = await queries.execute(GetRequestStatus.from({ requestId }));
    return staleReason === undefined ? { requestId, status } : { requestId, status, staleReason };
  } catch (error) {
    if (isKernelError(error, 'REQUEST_NOT_FOUND')) return { requestId, status: null };
    throw error;
  }
}

/**
 * The machines the cloud wants back. First fetches new reclaim notices and refreshes the machines
 * of `query.machines` (the hosts the requestor holds: one the cloud took back is listed too), then
 * runs one bounded `Reconcile` (its failure is logged, never thrown), then answers `query`. A failed
 * fetch is logged and answered from the recorded notices with `staleReason`.
 */
export async function collectReturnRequests({ commands, queries }: UseCaseBuses, query: GetReturnRequests, options: ReturnRequestsOptions): Promise<ReturnRequestsReport> {
  const { logger } = options;
  const machines = (query.machines ?? []).map(({ machineId, name }) => ({ ...(machineId === undefined ? {} : { machineId }), ...(name === undefined ? {} : { name }) }));
  let staleReason: string | undefined;
  try {
    await commands.execute(SyncReclaimNotices.from({ machines }));
  } catch (error) {
    logger.warn('getReturnRequests could not fetch reclaim notices; answering from the recorded ones', { error: errorText(error) });
    staleReason = isKernelError(error) ? error.message : UNEXPECTED;
  }
  if (options.reconcile !== false) {
    try {
      const result = await commands.execute(Reconcile.from({ ...RETURN_REQUESTS_RECONCILE, ...options.reconcile }));
      if (result.abandoned + result.errors + result.conflicts > 0) logger.info('getReturnRequests reconciled open requests', { ...result });
    } catch (error) {
      logger.warn('getReturnRequests could not reconcile open requests; the next call tries again', { error: errorText(error) });
    }
  }
  const reclaims = await queries.execute(query);
  return staleReason === undefined ? { reclaims } : { reclaims, staleReason };
}

/** An error's text for a log entry: a kernel error's message, else the name and message. */
function errorText(error: unknown): string {
  if (isKernelError(error)) return error.message;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
