import { Request } from '../../domain/request/request';
import { type DomainContext } from '../../domain/shared/ports';
import { type Machine } from '../../domain/machine/machine';
import type { HandlerContext } from '../../kernel';
import type { TerminateResult } from '../provider/provider.port';
import { domainContext, type Runtime } from '../runtime';
import { recordInSession, type Session } from '../session';
import { attachedMachines } from './machine-recording';

/**
 * Creates a started return request for `machines` in the session and marks each one claimed by it.
 * Claimed and started in the same commit: terminate is then called for these machines exactly once
 * (a lost call is re-sent by a sync of the return request once a provider timeout has passed).
 */
export function claimForReturn(session: Session, machines: readonly Machine[], ctx: DomainContext): Request {
  const request = session.add('request', Request.createReturn({ machineIds: machines.map((m) => m.machineId) }, ctx));
  for (const machine of machines) machine.markReturnRequested(request.requestId, ctx);
  request.start(ctx);
  return request;
}

/** Records the machines the provider refused to terminate on return request `requestId` and re-derives its status. */
export async function recordRefusals(runtime: Runtime, requestId: string, result: TerminateResult, context: HandlerContext | undefined): Promise<void> {
  if (result.failed.length === 0) return;
  await recordInSession(runtime.storage, async (session) => {
    const stored = await session.request(requestId);
    if (stored === undefined || stored.isTerminal) return;
    const ctx = domainContext(runtime, context);
    stored.recordTerminationFailures(result.failed, ctx);
    stored.synchronise(await attachedMachines(session, stored), ctx);
  });
}
