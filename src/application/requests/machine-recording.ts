import { Machine, type MachineReport } from '../../domain/machine/machine';
import { MACHINE_FACT_FIELDS } from '../../domain/machine/machine-facts';
import { normaliseText } from '../../domain/shared/text';
import { type DomainContext } from '../../domain/shared/ports';
import { type Request } from '../../domain/request/request';
import { type Template } from '../../domain/template/template';
import { isKernelError, ValidationError, type HandlerContext } from '../../kernel';
import type { ProviderMachine, ProvisionResult } from '../provider/provider.port';
import { resolveTemplateImage } from '../provider/image-resolver';
import { callProvider } from '../provider/provider-call';
import { domainContext, type Runtime } from '../runtime';
import { recordInSession, type Session } from '../session';

/*
 * Recording what the provider reported about a request's machines, shared by every use case that
 * asks the provider (request, sync, cancel, reclaim notices, settling abandoned requests).
 */

/**
 * Asks the provider to start `request`'s machines (idempotent by request id), within the provider
 * time limit, with the template's image resolved through `runtime.images` (IMAGE_UNRESOLVED otherwise).
 */
export async function askToProvision(runtime: Runtime, request: Request, template: Template): Promise<ProvisionResult> {
  const snapshot = template.toSnapshot();
  // An indirect image is resolved first: a failure (IMAGE_UNRESOLVED) refuses before anything launches.
  const imageId = await resolveTemplateImage(runtime.images, snapshot);
  return callProvider(runtime, 'provision', request.requestId, () =>
    runtime.provider.provision({
      requestId: request.requestId,
      template: { ...snapshot, imageId },
      count: request.requestedCount,
      tags: { ...request.tags },
      ...(request.rcAccount === undefined ? {} : { rcAccount: request.rcAccount }),
      ...(request.userData === undefined ? {} : { userData: request.userData }),
    }),
  );
}

/**
 * Fails request `requestId` (unless already terminal) with the message of the provider error that
 * refused it, and begins the release of whatever the refused call may have left behind.
 */
export async function failOnRefusal(runtime: Runtime, requestId: string, error: unknown, context: HandlerContext): Promise<void> {
  // The message quotes the cloud: made storable (and cut to a reason's length) before it is recorded.
  const message = normaliseText(isKernelError(error) ? error.message : String(error), 'reason');
  await recordInSession(runtime.storage, async (session) => {
    const stored = await session.request(requestId);
    if (stored === undefined || stored.isTerminal) return;
    const ctx = domainContext(runtime, context);
    stored.fail(message, ctx);
    beginReleaseIfSettled(runtime, stored, ctx);
  });
}

/**
 * Begins the release of `request` (in the caller's session) when it is an acquire request settled
 * failed or cancelled and none began yet; its window ends `limits.releaseWindowMs` from now.
 * `Reconcile` then cancels its provision and describes it until the cloud confirms nothing runs.
 */
export function beginReleaseIfSettled(runtime: Runtime, request: Request, ctx: DomainContext): void {
  if (request.type !== 'acquire' || request.release !== null) return;
  if (request.status !== 'failed' && request.status !== 'cancelled') return;
  request.beginRelease(new Date(ctx.now.getTime() + runtime.limits.releaseWindowMs), ctx);
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
  onRejected: (machineId: string, error: unknown) => void,
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
  onRejected: (machineId: string, error: unknown) => void,
): Promise<Machine[]> {
  const machines: Machine[] = [];
  // One repository call for every reported machine, not one per machine.
  const loaded = await session.machines(reports.map((report) => report.machineId));
  for (const report of reports) {
    const known = loaded.get(report.machineId);
    // A report about a machine of another request is not this request's to apply: the provider
    // reused an id (or a fake restarted its counter). Say so; applying it would corrupt the other.
    if (known !== undefined && known.requestId !== request.requestId && known.returnRequestId !== request.requestId) {
      onRejected(report.machineId, new Error(`machine ${report.machineId} belongs to request ${known.requestId}, not ${request.requestId}; the provider reported an id it already gave another request`));
      continue;
    }
    if (known === undefined && request.type === 'return') continue;
    if (known === undefined) {
      const create = (from: ProviderMachine) =>
        Machine.create({ ...facts(from), machineId: from.machineId, requestId: request.requestId, templateId, providerApi, status: from.status, statusReason: from.statusReason ?? null }, ctx);
      const created = session.add('machine', withoutRefusedFacts(report, create, onRejected));
      // A second report of the same machine in this batch applies to the one just created.
      loaded.set(report.machineId, created);
      machines.push(created);
      continue;
    }
    try {
      withoutRefusedFacts(report, (from) => known.report(machineReport(from), ctx), onRejected);
    } catch (error) {
      if (!isKernelError(error, 'INVALID_MACHINE_STATE_TRANSITION')) throw error;
      onRejected(report.machineId, error);
    }
    machines.push(known);
  }
  return machines;
}

/** What a report may leave out and still say what the machine is: its facts. */
const DROPPABLE: ReadonlySet<string> = new Set(MACHINE_FACT_FIELDS);

/**
 * Applies `report` through `apply`; when the domain refuses only some of its facts (a price type or
 * an address the domain does not take), logs the refusal through `onRejected` and applies the report
 * again without them. A machine the cloud runs is never left unrecorded, nor its request unsynced,
 * for a fact the domain cannot store. Anything else refused (the id, the status) is thrown.
 */
export function withoutRefusedFacts<T>(report: ProviderMachine, apply: (report: ProviderMachine) => T, onRejected: (machineId: string, error: Error) => void): T {
  try {
    return apply(report);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const refused = new Set(error.issues.map((issue) => issue.path.split(/[.[]/, 1)[0]!));
    if (![...refused].every((key) => DROPPABLE.has(key))) throw error;
    onRejected(report.machineId, new Error(`kept the machine without ${[...refused].join(', ')}: ${error.message}`));
    const rest: Record<string, unknown> = { ...report };
    for (const key of refused) delete rest[key];
    return apply(rest as unknown as ProviderMachine);
  }
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

/** Every machine attached to `request`, tracked in the session (including ones created in it and not yet saved). */
export async function attachedMachines(session: Session, request: Request): Promise<Machine[]> {
  const found = await session.machines(request.machineIds);
  return request.machineIds.flatMap((id) => found.get(id) ?? []);
}
