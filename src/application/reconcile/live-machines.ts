import type { DomainContext } from '../../domain/shared/ports';
import type { Machine } from '../../domain/machine/machine';
import type { Request } from '../../domain/request/request';
import type { ProviderMachine } from '../provider/provider.port';
import { logRejectedReport, upsertMachines } from '../requests/machine-recording';
import type { Runtime } from '../runtime';
import type { Session } from '../session';

/**
 * Attaches what the provider reported to an acquire request nobody will use (abandoned, or settled
 * and being released) and returns its attached machines still alive and not being returned.
 */
export async function liveMachines(runtime: Runtime, session: Session, request: Request, reports: readonly ProviderMachine[], ctx: DomainContext): Promise<Machine[]> {
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
