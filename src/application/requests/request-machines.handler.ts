import { Request } from '../../domain/request/request';
import { TemplateNotFoundError } from '../../domain/shared/errors';
import { type DomainContext } from '../../domain/shared/ports';
import { type Machine } from '../../domain/machine/machine';
import { type Template } from '../../domain/template/template';
import { commandHandler, isKernelError, type CommandHandler, type HandlerContext } from '../../kernel';
import type { ProvisionResult } from '../provider/provider.port';
import { domainContext, RUNTIME, type Runtime } from '../runtime';
import { inSession, recordInSession, type Session } from '../session';
import { CAPACITY_HOLDING_STATUSES, committedUnits } from './capacity';
import { askToProvision, failOnRefusal, logRejectedReport, recordProvisioned } from './machine-recording';
import { RequestMachines } from './request.commands';

/**
 * Handles {@link RequestMachines} in three steps, so no storage transaction is held while the cloud
 * answers: (1) admit the request under the template's lock (capacity, idempotency) and commit it;
 * (2) ask the provider; (3) record what it started (attached even to a request that ended meanwhile),
 * or fail the request with its message (a call that timed out leaves it pending: the cloud may still
 * act on it).
 */
@commandHandler(RequestMachines, { inject: [RUNTIME] })
export class RequestMachinesHandler implements CommandHandler<RequestMachines> {
  constructor(private readonly runtime: Runtime) {}

  async handle(command: RequestMachines, context: HandlerContext): Promise<{ requestId: string }> {
    const admitted = await inSession(this.runtime.storage, (session) => this.admit(session, command, domainContext(this.runtime, context)));
    if (!admitted.created) return { requestId: admitted.request.requestId };
    const { request, template } = admitted;

    let result: ProvisionResult;
    try {
      result = await askToProvision(this.runtime, request, template);
    } catch (error) {
      if (isKernelError(error, 'TIMEOUT')) {
        // No answer is not a refusal: the cloud may still start machines for this request. It stays
        // pending, so a sync by id (provision is idempotent) or a reconciler finds and settles them.
        this.runtime.logger.warn(`provision for ${request.requestId} did not answer in time; the request stays pending for a sync or a reconcile`, { requestId: request.requestId });
        throw error;
      }
      await failOnRefusal(this.runtime, request.requestId, error, context);
      throw error;
    }

    try {
      await recordInSession(this.runtime.storage, async (session) => {
        const stored = await session.request(request.requestId);
        if (stored === undefined) return;
        // A request that ended meanwhile (cancelled while the cloud answered) still gets what the cloud
        // started attached, its status unchanged: skipped, those machines would run unrecorded forever.
        await recordProvisioned(session, stored, template, result, domainContext(this.runtime, context), logRejectedReport(this.runtime, stored.requestId));
      });
    } catch (error) {
      // The cloud accepted: an error answer now would hide running machines and invite a second
      // request. The request is stored, so answer its id; the next sync finds the machines by request
      // id (provision is idempotent per request id), and a reconciler settles it if nobody asks.
      this.runtime.logger.error(`recording what the provider started for ${request.requestId} failed; answering its id, the next sync records it`, {
        requestId: request.requestId,
        error: error instanceof Error ? error.message : String(error),
      });
    }
    return { requestId: request.requestId };
  }

  private async admit(
    session: Session,
    command: RequestMachines,
    ctx: DomainContext,
  ): Promise<{ created: true; request: Request; template: Template } | { created: false; request: Request }> {
    const { tx } = session;
    // One admission per template at a time, across processes: the capacity check and the request it
    // admits commit together, and two identical idempotent calls see each other.
    await tx.lock(`template:${command.templateId}`);
    if (command.idempotencyKey !== undefined) {
      const first = await tx.requests.findByIdempotencyKey(command.idempotencyKey);
      if (first !== undefined) return { created: false, request: first };
    }
    const template = await session.template(command.templateId);
    if (template === undefined) throw new TemplateNotFoundError(command.templateId);

    // Open requests and their machines first, live machines last: a machine committed by a sync in
    // between is then counted twice (safe), never in neither (an overrun).
    const open = (await tx.requests.findOpenByTemplate(template.templateId)).filter((r) => r.type === 'acquire');
    const attached = new Map<string, Machine[]>();
    for (const request of open) attached.set(request.requestId, await tx.machines.findByRequest(request.requestId));
    const live = await tx.machines.findByTemplate(template.templateId, CAPACITY_HOLDING_STATUSES);
    const activeUnits = committedUnits(template, live, open, (r) => attached.get(r.requestId) ?? []);

    const request = Request.createAcquire(
      {
        template,
        activeUnits,
        requestedCount: command.machineCount,
        limits: { maxPerRequest: this.runtime.limits.maxPerRequest },
        ...(command.tags === undefined ? {} : { tags: command.tags }),
        ...(command.priority === undefined ? {} : { priority: command.priority }),
        ...(command.timeoutSeconds === undefined ? {} : { timeoutSeconds: command.timeoutSeconds }),
        ...(command.idempotencyKey === undefined ? {} : { idempotencyKey: command.idempotencyKey }),
        ...(command.rcAccount === undefined ? {} : { rcAccount: command.rcAccount }),
        ...(command.userData === undefined ? {} : { userData: command.userData }),
      },
      ctx,
    );
    session.add('request', request);
    return { created: true, request, template };
  }
}
