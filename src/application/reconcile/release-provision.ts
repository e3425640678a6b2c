import type { MachineStatus } from '../../domain/machine/machine-status';
import type { Request } from '../../domain/request/request';
import type { HandlerContext } from '../../kernel';
import { callProvider } from '../provider/provider-call';
import type { CancelProvisionResult, ProviderMachine } from '../provider/provider.port';
import { COLLECTIONS } from '../read-models/projections';
import { claimForReturn, recordRefusals } from '../requests/return-claims';
import { domainContext, type Runtime } from '../runtime';
import { inSession } from '../session';
import type { ReadModelDocument } from '../../storage/read-model-store';
import { liveMachines } from './live-machines';

/*
 * Releasing what a settled acquire request's provision started (docs/reliability.md, "Releasing
 * settled requests"): the provider is asked to cancel the provision, and the request is
 * described again on every Reconcile run until its release window has passed and the cloud reports
 * nothing of it alive, so machines a fleet launches after the request was settled are still found,
 * attached and returned.
 */

/** Statuses in which a machine still runs (or may run again): a release is not over while one is reported. */
const STILL_ALIVE: ReadonlySet<MachineStatus> = new Set<MachineStatus>(['pending', 'running', 'stopping', 'stopped', 'unknown']);

/** A `releases` read-model document (see `releasesProjection`). */
export type ReleaseDocument = ReadModelDocument & { readonly requestId: string; readonly status: 'releasing' | 'released'; readonly until: string };

/** Asks the provider to cancel the request's provision; resolves to undefined when the provider cannot (no `cancelProvision`). */
export async function cancelProvision(runtime: Runtime, request: Request): Promise<CancelProvisionResult | undefined> {
  const { provider } = runtime;
  if (provider.cancelProvision === undefined) return undefined;
  return callProvider(runtime, 'cancelProvision', request.requestId, () =>
    provider.cancelProvision!({ requestId: request.requestId, resourceIds: [...request.resourceIds], machineIds: [...request.machineIds] }),
  );
}

/** Releases in progress, oldest first, at most `limit` (the read models are brought up to date first). */
export async function releasesInProgress(runtime: Runtime, limit: number): Promise<ReleaseDocument[]> {
  await runtime.projector.catchUpIfBehind().catch((error: unknown) => runtime.logger.warn('catching up the read models before the release checks failed', { error: String(error) }));
  const page = await runtime.storage.readModels.query<ReleaseDocument>(COLLECTIONS.releases, {
    filters: [{ field: 'status', eq: 'releasing' }],
    sort: [{ field: 'createdAt', direction: 'asc' }],
    limit,
  });
  return page.items;
}

/** What one release check did. */
export interface ReleaseCheck {
  /** False when the request had no release in progress (a read model behind) or changed meanwhile (nothing recorded). */
  readonly checked: boolean;
  /** True when the request changed between the read and the commit (another process checked it). */
  readonly conflict: boolean;
  /** True when the release is over: the window passed and the cloud reports nothing of the request alive. */
  readonly released: boolean;
  /** Machines found alive and handed to a return request by this check. */
  readonly machinesReturned: number;
}

/**
 * One release check of request `requestId`: cancels its provision at the provider (idempotent),
 * describes it, and in one commit attaches machines seen for the first time, claims the live ones
 * for a return request and confirms the release when its window has passed and nothing runs; then
 * terminates what it claimed. A provider failure escapes before anything is recorded (the next run
 * checks again); a concurrent change of the request is `{ checked: false, conflict: true }`.
 */
export async function checkRelease(runtime: Runtime, requestId: string, context: HandlerContext | undefined): Promise<ReleaseCheck> {
  const seen = await runtime.storage.unitOfWork.transaction((tx) => tx.requests.get(requestId));
  if (seen === undefined || !seen.releasePending) return { checked: false, conflict: false, released: false, machinesReturned: 0 };
  await cancelProvision(runtime, seen);
  const reports = await callProvider(runtime, 'describe', requestId, () =>
    runtime.provider.describe({ requestId, resourceIds: [...seen.resourceIds], machineIds: [...seen.machineIds] }),
  );
  const ctx = domainContext(runtime, context);
  const claim = await inSession(runtime.storage, async (session) => {
    const request = await session.request(requestId);
    if (request === undefined || !request.releasePending || request.version !== seen.version) return undefined;
    const live = await liveMachines(runtime, session, request, reports, ctx);
    const returned = live.length === 0 ? undefined : claimForReturn(session, live, ctx);
    const released = request.confirmRelease(alive(reports), ctx);
    return { returnId: returned?.requestId, machineIds: live.map((m) => m.machineId), released };
  });
  if (claim === undefined) return { checked: false, conflict: true, released: false, machinesReturned: 0 };
  if (claim.returnId !== undefined) {
    runtime.logger.warn(`request ${requestId} was settled, yet the cloud runs ${claim.machineIds.length} machine(s) of it; return request ${claim.returnId} terminates them`, {
      requestId,
      returnRequestId: claim.returnId,
      machineIds: claim.machineIds,
    });
    await terminateClaimed(runtime, requestId, claim.returnId, claim.machineIds, context);
  }
  return { checked: true, conflict: false, released: claim.released, machinesReturned: claim.machineIds.length };
}

/** Machines the cloud reports in a status that still runs. */
function alive(reports: readonly ProviderMachine[]): string[] {
  return reports.filter((r) => STILL_ALIVE.has(r.status)).map((r) => r.machineId);
}

/**
 * Terminates machines just claimed by return request `returnId` for acquire request `requestId`. A
 * failed call is logged: the return request stays in progress and its next sync re-sends it.
 */
export async function terminateClaimed(runtime: Runtime, requestId: string, returnId: string, machineIds: readonly string[], context: HandlerContext | undefined): Promise<void> {
  try {
    const result = await callProvider(runtime, 'terminate', returnId, () => runtime.provider.terminate({ requestId: returnId, machineIds: [...machineIds] }));
    await recordRefusals(runtime, returnId, result, context);
  } catch (error) {
    runtime.logger.warn(`terminating the machines of settled request ${requestId} failed; the return request ${returnId} re-sends it`, {
      requestId,
      returnRequestId: returnId,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
