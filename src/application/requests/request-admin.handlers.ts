import { RequestNotFoundError } from '../../domain/shared/errors';
import { type Machine } from '../../domain/machine/machine';
import type { Request } from '../../domain/request/request';
import type { DomainContext } from '../../domain/shared/ports';
import { commandHandler, isKernelError, type CommandHandler, type HandlerContext } from '../../kernel';
import type { ProviderMachine } from '../provider/provider.port';
import { beginReleaseIfSettled, logRejectedReport, machineReport, upsertMachines, withoutRefusedFacts } from './machine-recording';
import type { RequestDto } from '../read-models/request.dto';
import { COLLECTIONS } from '../read-models/projections';
import { queryAll } from '../read-models/query-all';
import { callProvider } from '../provider/provider-call';
import { domainContext, RUNTIME, type Runtime } from '../runtime';
import { inSession } from '../session';
import { requestDtoOf } from './request-dto';
import { CancelRequest, SyncReclaimNotices, UpdateRequestStatus, type MachineReference } from './request.commands';

/** Handles {@link CancelRequest}. */
@commandHandler(CancelRequest, { inject: [RUNTIME] })
export class CancelRequestHandler implements CommandHandler<CancelRequest> {
  constructor(private readonly runtime: Runtime) {}

  async handle(command: CancelRequest, context: HandlerContext): Promise<RequestDto> {
    const { storage, provider } = this.runtime;
    const seen = await storage.unitOfWork.transaction((tx) => tx.requests.get(command.requestId));
    if (seen === undefined) throw new RequestNotFoundError(command.requestId);
    // A pending request with nothing attached may have machines the provider started but that were
    // never recorded (the recording failed): ask first, so cancelling never loses them.
    const unconfirmed = seen.type === 'acquire' && seen.status === 'pending' && seen.machineIds.length === 0 && seen.resourceIds.length === 0;
    const reports = unconfirmed
      ? await callProvider(this.runtime, 'describe', seen.requestId, () => provider.describe({ requestId: seen.requestId, resourceIds: [], machineIds: [] }))
      : [];
    const ctx = domainContext(this.runtime, context);
    return inSession(storage, async (session) => {
      const request = await session.request(command.requestId);
      if (request === undefined) throw new RequestNotFoundError(command.requestId);
      if (reports.length > 0 && request.templateId !== null && !request.isTerminal) {
        const template = await session.template(request.templateId);
        const machines = await upsertMachines(session, request, request.templateId, template?.providerApi ?? null, reports, ctx, logRejectedReport(this.runtime, request.requestId));
        request.attachMachines(machines.map((m) => m.machineId), [], ctx);
      }
      request.cancel(command.reason ?? '', ctx);
      releaseIfNothingAttached(this.runtime, request, ctx);
      return requestDtoOf(request);
    });
  }
}

/** Handles {@link UpdateRequestStatus}. */
@commandHandler(UpdateRequestStatus, { inject: [RUNTIME] })
export class UpdateRequestStatusHandler implements CommandHandler<UpdateRequestStatus> {
  constructor(private readonly runtime: Runtime) {}

  handle(command: UpdateRequestStatus, context: HandlerContext): Promise<RequestDto> {
    return inSession(this.runtime.storage, async (session) => {
      const request = await session.request(command.requestId);
      if (request === undefined) throw new RequestNotFoundError(command.requestId);
      const ctx = domainContext(this.runtime, context);
      request.changeStatus(command.status, command.reason, ctx);
      releaseIfNothingAttached(this.runtime, request, ctx);
      return requestDtoOf(request);
    });
  }
}

/**
 * An acquire request settled cancelled or failed by hand with no machine attached begins a release
 * (docs/reliability.md, "Releasing settled requests"): nobody holds a machine of it to return, yet its
 * provision may have started some, or start them late (a fleet launches after the call), and only
 * `Reconcile`'s release checks would find them. With a machine attached, the machines stay attached
 * for the requester to return (docs/domain.md, "Cancellation").
 */
function releaseIfNothingAttached(runtime: Runtime, request: Request, ctx: DomainContext): void {
  if (request.machineIds.length === 0) beginReleaseIfSettled(runtime, request, ctx);
}

const VANISHED = 'The cloud no longer reports this machine (asked for by its id), so it is gone.';

/**
 * Handles {@link SyncReclaimNotices}: replaces the recorded notices with the provider's current
 * list, naming each machine by its host name when the machine is known.
 */
@commandHandler(SyncReclaimNotices, { inject: [RUNTIME] })
export class SyncReclaimNoticesHandler implements CommandHandler<SyncReclaimNotices> {
  constructor(private readonly runtime: Runtime) {}

  async handle(command: SyncReclaimNotices, context: HandlerContext): Promise<{ notices: number; refreshed: number }> {
    const refreshed = command.machines === undefined ? 0 : await this.refresh(command.machines, context);
    const notices = await this.recordNotices();
    return { notices, refreshed };
  }

  /** Describes the held machines, grouped by their acquire request, and applies what changed. */
  private async refresh(references: readonly MachineReference[], context: HandlerContext): Promise<number> {
    const { storage } = this.runtime;
    const held = await storage.unitOfWork.transaction(async (tx) => {
      const found: Machine[] = [];
      for (const ref of references) {
        const machine = ref.machineId !== undefined ? await tx.machines.get(ref.machineId) : (await tx.machines.findByName(ref.name ?? '')).find((m) => !m.isTerminal);
        if (machine !== undefined && !machine.isTerminal && !found.some((m) => m.machineId === machine.machineId)) found.push(machine);
      }
      return found;
    });
    const byRequest = new Map<string, string[]>();
    for (const machine of held) byRequest.set(machine.requestId, [...(byRequest.get(machine.requestId) ?? []), machine.machineId]);
    const reports: ProviderMachine[] = [];
    for (const [requestId, machineIds] of byRequest) {
      const described = await callProvider(this.runtime, 'describe', requestId, () => this.runtime.provider.describe({ requestId, resourceIds: [], machineIds }));
      reports.push(...described.filter((r) => machineIds.includes(r.machineId)));
      // Asked for by id and not reported: the cloud no longer has it, so it no longer runs.
      for (const machineId of machineIds) {
        if (!described.some((r) => r.machineId === machineId)) reports.push({ machineId, status: 'terminated', statusReason: VANISHED });
      }
    }
    if (reports.length === 0) return 0;
    const ctx = domainContext(this.runtime, context);
    return inSession(storage, async (session) => {
      let changed = 0;
      for (const report of reports) {
        const machine = await session.machine(report.machineId);
        if (machine === undefined) continue;
        const before = machine.version;
        const rejected = (machineId: string, error: Error) => this.runtime.logger.warn(`rejected a provider report for machine ${machineId}`, { machineId, error: error.message });
        try {
          withoutRefusedFacts(report, (from) => machine.report(machineReport(from), ctx), rejected);
        } catch (error) {
          if (!isKernelError(error, 'INVALID_MACHINE_STATE_TRANSITION')) throw error;
          rejected(report.machineId, error);
        }
        if (machine.version !== before) changed++;
      }
      return changed;
    });
  }

  private async recordNotices(): Promise<number> {
    const { storage, clock } = this.runtime;
    const notices = await callProvider(this.runtime, 'reclaimNotices', undefined, () => this.runtime.provider.reclaimNotices());
    const machines = await storage.unitOfWork.transaction((tx) => tx.machines.getMany(notices.map((n) => n.machineId)));
    const names = new Map(machines.map((m) => [m.machineId, m.name]));
    const store = storage.readModels;
    const current = new Set(notices.map((n) => n.machineId));
    for (const doc of await queryAll(store, COLLECTIONS.reclaimNotices)) {
      if (!current.has(doc.id)) await store.delete(COLLECTIONS.reclaimNotices, doc.id);
    }
    const noticedAt = clock.now().toISOString();
    for (const notice of notices) {
      await store.put(COLLECTIONS.reclaimNotices, {
        id: notice.machineId,
        machineId: notice.machineId,
        name: notice.name ?? names.get(notice.machineId) ?? null,
        gracePeriod: Math.max(0, Math.floor(notice.gracePeriod)),
        reason: notice.reason ?? 'The cloud is reclaiming this machine.',
        noticedAt,
      });
    }
    return notices.length;
  }
}
