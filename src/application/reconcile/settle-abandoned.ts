import type { Request } from '../../domain/request/request';
import type { HandlerContext } from '../../kernel';
import { beginReleaseIfSettled } from '../requests/machine-recording';
import { claimForReturn } from '../requests/return-claims';
import { callProvider } from '../provider/provider-call';
import { domainContext, type Runtime } from '../runtime';
import { inSession } from '../session';
import { liveMachines } from './live-machines';
import { cancelProvision, terminateClaimed } from './release-provision';

/** What settling one abandoned request did. */
export interface Settled {
  /** False when the request turned out acknowledged, terminal or changed meanwhile (nothing done). */
  readonly settled: boolean;
  /** Machines the provider was asked to terminate. */
  readonly machinesReturned: number;
}

/**
 * Settles an acquire request whose requester never asked about it by id: finds its machines through
 * the provider by request id (describe covers machines created since the last call), attaches them,
 * claims the live ones for a new return request, cancels the acquire request with the reason and
 * begins the release of its provision, all in one commit; then asks the provider to terminate
 * them and to cancel the provision (a fleet may still launch machines). Two processes settling the
 * same request race on the request's version: one commits, the other gets `CONCURRENCY_CONFLICT` and
 * terminates nothing. A lost terminate call is re-sent by the next sync of the return request; a
 * failed cancel, and machines launched later, are handled by the release checks of later runs.
 */
export async function settleAbandoned(runtime: Runtime, seen: Request, ackWindowMs: number, context: HandlerContext | undefined): Promise<Settled> {
  const reports = await callProvider(runtime, 'describe', seen.requestId, () =>
    runtime.provider.describe({ requestId: seen.requestId, resourceIds: [...seen.resourceIds], machineIds: [...seen.machineIds] }),
  );
  const ctx = domainContext(runtime, context);
  const claim = await inSession(runtime.storage, async (session) => {
    const request = await session.request(seen.requestId);
    if (request === undefined || request.isTerminal || request.acknowledgedAt !== null || request.version !== seen.version) return undefined;
    const live = await liveMachines(runtime, session, request, reports, ctx);
    const returned = live.length === 0 ? undefined : claimForReturn(session, live, ctx);
    const what = returned === undefined
      ? 'the cloud reported no live machine for it'
      : `its ${live.length} live machine(s) are being terminated by return request ${returned.requestId}`;
    request.cancel(
      `Abandoned: nobody asked about request ${request.requestId} by id ${late(request, ackWindowMs, ctx.now)}, so its id never reached the requester; ${what}.`,
      ctx,
    );
    beginReleaseIfSettled(runtime, request, ctx);
    return { request, returnId: returned?.requestId, machineIds: live.map((m) => m.machineId) };
  });
  if (claim === undefined) return { settled: false, machinesReturned: 0 };
  if (claim.returnId !== undefined) await terminateClaimed(runtime, seen.requestId, claim.returnId, claim.machineIds, context);
  try {
    await cancelProvision(runtime, claim.request);
  } catch (error) {
    runtime.logger.warn(`cancelling the provision of abandoned request ${seen.requestId} failed; the next Reconcile run asks again`, {
      requestId: seen.requestId,
      error: error instanceof Error ? error.message : String(error),
    });
  }
  return { settled: true, machinesReturned: claim.machineIds.length };
}

function late(request: Request, ackWindowMs: number, now: Date): string {
  return now.getTime() - request.createdAt.getTime() >= ackWindowMs
    ? `within ${ackWindowMs} ms of its creation`
    : `before its deadline ${request.deadline.toISOString()}`;
}
