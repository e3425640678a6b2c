import { RequestNotFoundError } from '../../domain/shared/errors';
import { type DomainContext } from '../../domain/shared/ports';
import { type MachineStatus } from '../../domain/machine/machine-status';
import { type Request } from '../../domain/request/request';
import { type Template } from '../../domain/template/template';
import { isKernelError, type HandlerContext } from '../../kernel';
import type { ProviderMachine, ProvisionResult } from '../provider/provider.port';
import type { RequestDto } from '../read-models/request.dto';
import { callProvider } from '../provider/provider-call';
import { domainContext, type Runtime } from '../runtime';
import { inSession, type Session } from '../session';
import { attachedMachines, askToProvision, beginReleaseIfSettled, logRejectedReport, recordProvisioned, upsertMachines } from './machine-recording';
import { requestDtoOf } from './request-dto';
import type { SyncRequest } from './request.commands';

/** What the provider answered for one request, read outside any transaction. */
type Answer =
  | { readonly kind: 'provisioned'; readonly template: Template; readonly result: ProvisionResult }
  | { readonly kind: 'described'; readonly reports: readonly ProviderMachine[] }
  | { readonly kind: 'failed'; readonly error: unknown };

/**
 * The sync use case, shared by {@link SyncRequest}'s handler and the reconciler: reads the request,
 * asks the provider (outside any transaction), then applies the answer and derives the status
 * (deadline included) in one transaction. A terminal request is answered as stored, without calling
 * the provider. When the provider fails, the deadline is still applied before the error is raised.
 */
export async function syncRequest(runtime: Runtime, command: SyncRequest, context: HandlerContext): Promise<RequestDto> {
  const seen = await readRequest(runtime, command.requestId);
  if (seen.request.isTerminal) return requestDtoOf(seen.request);
  const answer = await askProvider(runtime, seen.request, seen.template);
  // A failure of the re-send escapes before anything is recorded: the next sync tries again.
  const refused = answer.kind === 'described' ? await resendLostTermination(runtime, seen.request, answer.reports, context) : [];
  const request = await recordAnswer(runtime, command, seen.template, answer, refused, domainContext(runtime, context));
  if (answer.kind === 'failed') throw answer.error;
  return requestDtoOf(request);
}

async function readRequest(runtime: Runtime, requestId: string): Promise<{ request: Request; template: Template | undefined }> {
  return runtime.storage.unitOfWork.transaction(async (tx) => {
    const request = await tx.requests.get(requestId);
    if (request === undefined) throw new RequestNotFoundError(requestId);
    const template = request.templateId === null ? undefined : await tx.templates.get(request.templateId);
    return { request, template };
  });
}

/** Provisions again when the first call was never confirmed, otherwise describes; a failure is kept, not thrown. */
async function askProvider(runtime: Runtime, request: Request, template: Template | undefined): Promise<Answer> {
  try {
    if (template !== undefined && needsProvisioning(request, runtime.clock.now(), runtime.limits.providerTimeoutMs)) {
      return { kind: 'provisioned', template, result: await askToProvision(runtime, request, template) };
    }
    const reports = await callProvider(runtime, 'describe', request.requestId, () =>
      runtime.provider.describe({ requestId: request.requestId, resourceIds: [...request.resourceIds], machineIds: [...request.machineIds] }),
    );
    return { kind: 'described', reports };
  } catch (error) {
    return { kind: 'failed', error };
  }
}

/** Applies the provider's answer to the request as it is now (a failed call still applies the deadline). */
async function recordAnswer(
  runtime: Runtime,
  command: SyncRequest,
  template: Template | undefined,
  answer: Answer,
  refused: readonly { machineId: string; message: string }[],
  ctx: DomainContext,
): Promise<Request> {
  return inSession(runtime.storage, async (session) => {
    const current = await session.request(command.requestId);
    if (current === undefined) throw new RequestNotFoundError(command.requestId);
    const onRejected = logRejectedReport(runtime, current.requestId);
    // A request that ended while the cloud answered (cancelled meanwhile) still gets what the cloud
    // reported, recorded and attached, its status unchanged (docs/domain.md, "Attaching"): skipped,
    // machines launched late would run with no request naming them. It is not acknowledged, takes no
    // termination failures and begins no release; a failed call records nothing on it.
    const ended = current.isTerminal;
    if (!ended && command.acknowledge !== false) current.acknowledge(ctx);
    if (answer.kind === 'provisioned') {
      await recordProvisioned(session, current, answer.template, answer.result, ctx, onRejected);
    } else if (answer.kind === 'described' || !ended) {
      if (!ended && refused.length > 0) current.recordTerminationFailures(refused, ctx);
      await applyReports(session, current, template, answer.kind === 'described' ? answer.reports : [], ctx, onRejected);
    }
    // A request derived failed may still have fleets or launch templates at the provider.
    if (!ended) beginReleaseIfSettled(runtime, current, ctx);
    return current;
  });
}

async function applyReports(
  session: Session,
  request: Request,
  template: Template | undefined,
  reports: readonly ProviderMachine[],
  ctx: DomainContext,
  onRejected: (machineId: string, error: unknown) => void,
): Promise<void> {
  const reported = await upsertMachines(session, request, template?.templateId ?? '', template?.providerApi ?? null, reports, ctx, onRejected);
  if (request.type === 'acquire') {
    const fresh = reported.filter((m) => !request.machineIds.includes(m.machineId)).map((m) => m.machineId);
    if (fresh.length > 0) request.attachMachines(fresh, [], ctx);
  }
  request.synchronise(await attachedMachines(session, request), ctx);
}

/**
 * A return request whose machines are still alive one provider timeout after it started: its
 * terminate call was lost (the process died between the claim and the call, or the call's answer
 * never arrived). Terminate is idempotent, so the still-alive machines are sent again; machines the
 * provider refused before are not. Returns the refusals of this call.
 */
async function resendLostTermination(runtime: Runtime, request: Request, reports: readonly ProviderMachine[], context: HandlerContext): Promise<{ machineId: string; message: string }[]> {
  if (request.type !== 'return' || request.status !== 'in_progress' || request.startedAt === null) return [];
  if (runtime.clock.now().getTime() - request.startedAt.getTime() <= runtime.limits.providerTimeoutMs) return [];
  const refusedBefore = request.terminationFailures;
  const alive = reports
    .filter((r) => request.machineIds.includes(r.machineId) && STILL_ALIVE.has(r.status) && !Object.hasOwn(refusedBefore, r.machineId))
    .map((r) => r.machineId);
  if (alive.length === 0) return [];
  // Claim the re-send first: of two processes syncing this request at once, one commits and sends.
  if (!(await claimResend(runtime, request, alive, context))) return [];
  runtime.logger.warn(`re-sending terminate for ${alive.length} machine(s) of ${request.requestId}: the first call was not confirmed`, {
    requestId: request.requestId,
    machineIds: alive,
  });
  const result = await callProvider(runtime, 'terminate', request.requestId, () => runtime.provider.terminate({ requestId: request.requestId, machineIds: alive }));
  return [...result.failed];
}

/** Commits the re-send claim unless the request changed since it was read; false when another process got there first. */
async function claimResend(runtime: Runtime, request: Request, machineIds: readonly string[], context: HandlerContext): Promise<boolean> {
  try {
    return await inSession(runtime.storage, async (session) => {
      const current = await session.request(request.requestId);
      if (current === undefined || current.version !== request.version) return false;
      current.resendTermination(machineIds, domainContext(runtime, context));
      return true;
    });
  } catch (error) {
    if (isKernelError(error, 'CONCURRENCY_CONFLICT')) return false;
    throw error;
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
