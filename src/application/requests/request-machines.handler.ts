import { Machine, Request, TemplateNotFoundError, type DomainContext, type MachineReport, type Template } from '../../domain';
import { commandHandler, isKernelError, type CommandHandler, type HandlerContext } from '../../kernel';
import type { ProviderMachine, ProvisionResult } from '../provider/provider.port';
import { callProvider, domainContext, RUNTIME, type Runtime } from '../runtime';
import { inSession, recordInSession, type Session } from '../session';
import { CAPACITY_HOLDING_STATUSES, committedUnits } from './capacity';
import { RequestMachines } from './request.commands';

/**
 * Handles {@link RequestMachines} in three steps, so no storage transaction is held while the cloud
 * answers: (1) admit the request under the template's lock (capacity, idempotency) and commit it;
 * (2) ask the provider; (3) record what it started, or fail the request with its message (a call
 * that timed out leaves it pending: the cloud may still act on it).
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
      result = await callProvider(this.runtime, 'provision', request.requestId, () =>
        this.runtime.provider.provision({
          requestId: request.requestId,
          template: template.toSnapshot(),
          count: request.requestedCount,
          tags: { ...request.tags },
        }),
      );
    } catch (error) {
      if (isKernelError(error, 'TIMEOUT')) {
        // No answer is not a refusal: the cloud may still start machines for this request. It stays
        // pending, so a sync by id (provision is idempotent) or a reconciler finds and settles them.
        this.runtime.logger.warn(`provision for ${request.requestId} did not answer in time; the request stays pending for a sync or a reconcile`, { requestId: request.requestId });
        throw error;
      }
      const message = isKernelError(error) ? error.message : String(error);
      await recordInSession(this.runtime.storage, async (session) => {
        const stored = await session.request(request.requestId);
        if (stored !== undefined && !stored.isTerminal) stored.fail(message, domainContext(this.runtime, context));
      });
      throw error;
    }

    try {
      await recordInSession(this.runtime.storage, async (session) => {
        const stored = await session.request(request.requestId);
        if (stored === undefined || stored.isTerminal) return;
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
      },
      ctx,
    );
    session.add('request', request);
    return { created: true, request, template };
  }
}

/** A callback that logs a provider report the domain refused to apply, with the request it came from. */
export function logRejectedReport(runtime: Runtime, requestId: string): (machineId: string, error: unknown) => void {
  return (machineId, error) =>
    runtime.logger.warn(`rejected a provider report for machine ${machineId}`, {
      requestId,
      machineId,
      error: error instanceof Error ? error.message : String(error),
    });
}

/** Attaches the resources and machines a provision call reported, creating the machines it names. */
export async function recordProvisioned(
  session: Session,
  request: Request,
  template: Template,
  result: ProvisionResult,
  ctx: DomainContext,
  onRejected?: (machineId: string, error: unknown) => void,
): Promise<void> {
  const machines = await upsertMachines(session, request, template.templateId, template.providerApi, result.machines, ctx, onRejected);
  request.attachMachines(machines.map((m) => m.machineId), result.resourceIds, ctx);
  if (request.status === 'pending') request.start(ctx);
  // Until its requester has the id, an acquire request stays open whatever its machines do: closed
  // unacknowledged, no reconciler would return the machines of an answer Symphony never received.
  if (request.acknowledgedAt !== null) request.synchronise(machines, ctx);
}

/**
 * Applies provider reports to an acquire request's machines: a machine seen for the first time is
 * created; a known one gets the report, unless the status machine forbids the move (then the report
 * is rejected, logged by the caller, and the machine left as it was). Returns every reported machine.
 */
export async function upsertMachines(
  session: Session,
  request: Request,
  templateId: string,
  providerApi: string | null,
  reports: readonly ProviderMachine[],
  ctx: DomainContext,
  onRejected?: (machineId: string, error: unknown) => void,
): Promise<Machine[]> {
  const machines: Machine[] = [];
  // One repository call for every reported machine, not one per machine.
  const loaded = await session.machines(reports.map((report) => report.machineId));
  for (const report of reports) {
    const known = loaded.get(report.machineId);
    // A report about a machine of another request is not this request's to apply: the provider
    // reused an id (or a fake restarted its counter). Say so; applying it would corrupt the other.
    if (known !== undefined && known.requestId !== request.requestId && known.returnRequestId !== request.requestId) {
      onRejected?.(report.machineId, new Error(`machine ${report.machineId} belongs to request ${known.requestId}, not ${request.requestId}; the provider reported an id it already gave another request`));
      continue;
    }
    if (known === undefined && request.type === 'return') continue;
    if (known === undefined) {
      const created = session.add(
        'machine',
        Machine.create({ ...facts(report), machineId: report.machineId, requestId: request.requestId, templateId, providerApi, status: report.status, statusReason: report.statusReason ?? null }, ctx),
      );
      // A second report of the same machine in this batch applies to the one just created.
      loaded.set(report.machineId, created);
      machines.push(created);
      continue;
    }
    try {
      known.report(machineReport(report), ctx);
    } catch (error) {
      if (!isKernelError(error, 'INVALID_MACHINE_STATE_TRANSITION')) throw error;
      onRejected?.(report.machineId, error);
    }
    machines.push(known);
  }
  return machines;
}

/** A provider's machine facts as a domain machine report (absent facts left unchanged). */
export function machineReport(report: ProviderMachine): MachineReport {
  return { ...facts(report), status: report.status, ...(report.statusReason == null ? {} : { statusReason: report.statusReason }) };
}

function facts(report: ProviderMachine) {
  const out: Record<string, unknown> = {};
  for (const key of ['name', 'resourceId', 'instanceType', 'priceType', 'cloudHostId', 'privateIpAddress', 'publicIpAddress', 'instanceTags', 'launchTime'] as const) {
    if (report[key] !== undefined) out[key] = report[key];
  }
  return out;
}
