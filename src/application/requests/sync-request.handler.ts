import { RequestNotFoundError, type DomainContext, type Machine, type MachineStatus, type Request, type Template } from '../../domain';
import { commandHandler, isKernelError, type CommandHandler, type HandlerContext } from '../../kernel';
import type { ProviderMachine, ProvisionResult } from '../provider/provider.port';
import type { RequestDto } from '../read-models/request.dto';
import { callProvider, domainContext, RUNTIME, type Runtime } from '../runtime';
import { inSession, type Session } from '../session';
import { logRejectedReport, recordProvisioned, upsertMachines } from './request-machines.handler';
import { requestDtoOf } from './request-dto';
import { SyncRequest } from './request.commands';

/**
 * Handles {@link SyncRequest}: reads the request, asks the provider (outside any transaction), then
 * applies the reports, attaches new machines and derives the status (deadline included) in one
 * transaction. A terminal request is answered as stored, without calling the provider. When the
 * provider fails, the deadline is still applied before the `PROVIDER_ERROR` is raised.
 */
@commandHandler(SyncRequest, { inject: [RUNTIME] })
export class SyncRequestHandler implements CommandHandler<SyncRequest> {
  constructor(private readonly runtime: Runtime) {}

  async handle(command: SyncRequest, context: HandlerContext): Promise<RequestDto> {
    const { storage } = this.runtime;
    const seen = await storage.unitOfWork.transaction(async (tx) => {
      const request = await tx.requests.get(command.requestId);
      if (request === undefined) throw new RequestNotFoundError(command.requestId);
      const template = request.templateId === null ? undefined : await tx.templates.get(request.templateId);
      return { request, template };
    });
    if (seen.request.isTerminal) return requestDtoOf(seen.request);

    let reports: ProviderMachine[] | undefined;
    let provisioned: ProvisionResult | undefined;
    let failure: unknown;
    try {
      if (needsProvisioning(seen.request, this.runtime.clock.now(), this.runtime.limits.providerTimeoutMs) && seen.template !== undefined) {
        provisioned = await this.provision(seen.request, seen.template);
      } else {
        reports = await callProvider(this.runtime, 'describe', command.requestId, () =>
          this.runtime.provider.describe({
            requestId: seen.request.requestId,
            resourceIds: [...seen.request.resourceIds],
            machineIds: [...seen.request.machineIds],
          }),
        );
      }
    } catch (error) {
      failure = error;
    }
    const refused = failure === undefined && reports !== undefined ? await this.resendLostTermination(seen.request, reports, context) : [];

    const ctx = domainContext(this.runtime, context);
    const request = await inSession(storage, async (session) => {
      const current = await session.request(command.requestId);
      if (current === undefined) throw new RequestNotFoundError(command.requestId);
      if (current.isTerminal) return current;
      if (command.acknowledge !== false) current.acknowledge(ctx);
      if (provisioned !== undefined && seen.template !== undefined) {
        await recordProvisioned(session, current, seen.template, provisioned, ctx, logRejectedReport(this.runtime, current.requestId));
        return current;
      }
      if (refused.length > 0) current.recordTerminationFailures(refused, ctx);
      await this.apply(session, current, seen.template, reports ?? [], ctx);
      return current;
    });
    if (failure !== undefined) throw failure;
    return requestDtoOf(request);
  }

  /**
   * A return request whose machines are still alive one provider timeout after it started: its
   * terminate call was lost (the process died between the claim and the call, or the call's answer
   * never arrived). Terminate is idempotent, so the still-alive machines are sent again; machines the
   * provider refused before are not. Returns the refusals of this call.
   */
  private async resendLostTermination(request: Request, reports: readonly ProviderMachine[], context: HandlerContext): Promise<{ machineId: string; message: string }[]> {
    if (request.type !== 'return' || request.status !== 'in_progress' || request.startedAt === null) return [];
    if (this.runtime.clock.now().getTime() - request.startedAt.getTime() <= this.runtime.limits.providerTimeoutMs) return [];
    const refusedBefore = request.terminationFailures;
    const alive = reports
      .filter((r) => request.machineIds.includes(r.machineId) && STILL_ALIVE.has(r.status) && !Object.hasOwn(refusedBefore, r.machineId))
      .map((r) => r.machineId);
    if (alive.length === 0) return [];
    // Claim the re-send first: of two processes syncing this request at once, one commits and sends.
    const claimed = await this.claimResend(request, alive, context);
    if (!claimed) return [];
    this.runtime.logger.warn(`re-sending terminate for ${alive.length} machine(s) of ${request.requestId}: the first call was not confirmed`, {
      requestId: request.requestId,
      machineIds: alive,
    });
    const result = await callProvider(this.runtime, 'terminate', request.requestId, () =>
      this.runtime.provider.terminate({ requestId: request.requestId, machineIds: alive }),
    );
    return [...result.failed];
  }

  /** Commits the re-send claim unless the request changed since it was read; false when another process got there first. */
  private async claimResend(request: Request, machineIds: readonly string[], context: HandlerContext): Promise<boolean> {
    try {
      return await inSession(this.runtime.storage, async (session) => {
        const current = await session.request(request.requestId);
        if (current === undefined || current.version !== request.version) return false;
        current.resendTermination(machineIds, domainContext(this.runtime, context));
        return true;
      });
    } catch (error) {
      if (isKernelError(error, 'CONCURRENCY_CONFLICT')) return false;
      throw error;
    }
  }

  /** Provision was never confirmed (e.g. a crash right after admission): ask again, idempotently by request id. */
  private provision(request: Request, template: Template): Promise<ProvisionResult> {
    return callProvider(this.runtime, 'provision', request.requestId, () =>
      this.runtime.provider.provision({
        requestId: request.requestId,
        template: template.toSnapshot(),
        count: request.requestedCount,
        tags: { ...request.tags },
      }),
    );
  }

  private async apply(session: Session, request: Request, template: Template | undefined, reports: readonly ProviderMachine[], ctx: DomainContext): Promise<void> {
    const onRejected = logRejectedReport(this.runtime, request.requestId);
    const reported = await upsertMachines(session, request, template?.templateId ?? '', template?.providerApi ?? null, reports, ctx, onRejected);
    if (request.type === 'acquire') {
      const fresh = reported.filter((m) => !request.machineIds.includes(m.machineId)).map((m) => m.machineId);
      if (fresh.length > 0) request.attachMachines(fresh, [], ctx);
    }
    request.synchronise(await attachedMachines(session, request), ctx);
  }
}

/** Machine statuses that mean a termination has not taken hold yet. */
const STILL_ALIVE: ReadonlySet<MachineStatus> = new Set<MachineStatus>(['pending', 'running', 'stopping', 'stopped', 'unknown']);

/**
 * An acquire request still pending with nothing attached, older than one provider call: the call
 * that admitted it died before recording what the provider started, so provisioning is asked again.
 */
function needsProvisioning(request: Request, now: Date, providerTimeoutMs: number): boolean {
  return (
    request.type === 'acquire' &&
    request.status === 'pending' &&
    request.resourceIds.length === 0 &&
    request.machineIds.length === 0 &&
    now.getTime() - request.createdAt.getTime() > providerTimeoutMs
  );
}

/** Every machine attached to `request`, tracked in the session (including ones created in it and not yet saved). */
export async function attachedMachines(session: Session, request: Request): Promise<Machine[]> {
  const found = await session.machines(request.machineIds);
  return request.machineIds.flatMap((id) => found.get(id) ?? []);
}
