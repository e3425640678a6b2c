import type { DomainContext, Machine, Request } from '../../domain';
import type { HandlerContext } from '../../kernel';
import type { ProviderMachine, TerminateResult } from '../provider/provider.port';
import { logRejectedReport, upsertMachines } from '../requests/machine-recording';
import { claimForReturn, recordRefusals } from '../requests/return-claims';
import { callProvider } from '../provider/provider-call';
import { domainContext, type Runtime } from '../runtime';
import { inSession, type Session } from '../session';

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
 * claims the live ones for a new return request and cancels the acquire request with the reason, all
 * in one commit; then asks the provider to terminate them. Two processes settling the same request
 * race on the request's version: one commits, the other gets `CONCURRENCY_CONFLICT` and terminates
 * nothing. A lost terminate call is re-sent by the next sync of the return request.
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
    return { returnId: returned?.requestId, machineIds: live.map((m) => m.machineId) };
  });
  if (claim === undefined) return { settled: false, machinesReturned: 0 };
  if (claim.returnId === undefined) return { settled: true, machinesReturned: 0 };

  const returnId = claim.returnId;
  let result: TerminateResult;
  try {
    result = await callProvider(runtime, 'terminate', returnId, () => runtime.provider.terminate({ requestId: returnId, machineIds: claim.machineIds }));
  } catch (error) {
    // The return request stays in progress: its next sync re-sends the terminate call.
    runtime.logger.warn(`terminating the machines of abandoned request ${seen.requestId} failed; the return request ${returnId} re-sends it`, {
      requestId: seen.requestId,
      returnRequestId: returnId,
      error: error instanceof Error ? error.message : String(error),
    });
    return { settled: true, machinesReturned: claim.machineIds.length };
  }
  await recordRefusals(runtime, returnId, result, context);
  return { settled: true, machinesReturned: claim.machineIds.length };
}

/** Attaches what the provider reported and returns the attached machines still alive and not being returned. */
async function liveMachines(runtime: Runtime, session: Session, request: Request, reports: readonly ProviderMachine[], ctx: DomainContext): Promise<Machine[]> {
  const template = request.templateId === null ? undefined : await session.template(request.templateId);
  const reported = await upsertMachines(session, request, request.templateId ?? '', template?.providerApi ?? null, reports, ctx, logRejectedReport(runtime, request.requestId));
  const fresh = reported.filter((m) => !request.machineIds.includes(m.machineId)).map((m) => m.machineId);
  if (fresh.length > 0) request.attachMachines(fresh, [], ctx);
  const live: Machine[] = [];
  // Tracked first: machines created above are not saved before the flush.
  for (const machine of (await session.machines(request.machineIds)).values()) {
    if (machine.isTerminal) continue;
    const returning = machine.returnRequestId === null ? undefined : await session.request(machine.returnRequestId);
    if (returning === undefined || returning.isTerminal) live.push(machine);
  }
  return live;
}

function late(request: Request, ackWindowMs: number, now: Date): string {
  return now.getTime() - request.createdAt.getTime() >= ackWindowMs
    ? `within ${ackWindowMs} ms of its creation`
    : `before its deadline ${request.deadline.toISOString()}`;
}
