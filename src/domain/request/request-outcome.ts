import { machineResult, machineResultMessage } from '../machine/machine-result';
import type { MachineView, RequestState } from './request-state';
import type { RequestStatus } from './request-status';

/** How the machines of a request stand, judged by the result table. */
export interface RequestProgress {
  /** Machines whose result is `succeed`. */
  readonly succeeded: number;
  /** Machines whose result is `fail`. */
  readonly failed: number;
  /** Machines still `executing`, or with no view given. */
  readonly unfinished: number;
  /** Units delivered by succeeded machines (= `succeeded` unless the request is weighted). */
  readonly succeededUnits: number;
  /** Units of succeeded and failed machines: slots that have an outcome. */
  readonly settledUnits: number;
  /** The first fail message, for status reasons. */
  readonly firstFailure: string | null;
}

/** The status a synchronisation derives, with its reason and the counts behind it. */
export interface RequestOutcome {
  /** `null` when the request stays as it is. */
  readonly status: RequestStatus | null;
  readonly reason: string;
  readonly progress: RequestProgress;
}

type OutcomeTerms = Pick<RequestState, 'type' | 'requestedCount' | 'unitWeights' | 'machineIds' | 'status' | 'createdAt' | 'timeoutSeconds' | 'terminationFailures'>;

/**
 * Judges the attached machines of a request; views of machines not attached are ignored. On a
 * return request, a machine the provider refused to terminate fails unless it is terminated after all.
 */
export function assessMachines(request: OutcomeTerms, machines: readonly MachineView[]): RequestProgress {
  const views = new Map(machines.map((m) => [m.machineId, m]));
  let succeeded = 0, failed = 0, unfinished = 0, succeededUnits = 0, settledUnits = 0;
  let firstFailure: string | null = null;
  for (const id of request.machineIds) {
    const view = views.get(id);
    const refusal = request.type === 'return' && view?.status !== 'terminated' ? request.terminationFailures[id] : undefined;
    const result = refusal !== undefined ? 'fail' : view === undefined ? 'executing' : machineResult(request.type, view.status);
    const units = view == null || request.unitWeights === null ? 1 : (request.unitWeights[view.instanceType ?? ''] ?? 1);
    if (result === 'succeed') {
      succeeded += 1;
      succeededUnits += units;
      settledUnits += units;
    } else if (result === 'fail') {
      failed += 1;
      settledUnits += units;
      firstFailure ??= `${id}: ${refusal ?? machineResultMessage(request.type, view!.status, view!.statusReason)}`;
    } else unfinished += 1;
  }
  return { succeeded, failed, unfinished, succeededUnits, settledUnits, firstFailure };
}

/** `createdAt + timeoutSeconds`. */
export function requestDeadline(request: Pick<RequestState, 'createdAt' | 'timeoutSeconds'>): Date {
  return new Date(Date.parse(request.createdAt) + request.timeoutSeconds * 1000);
}

/**
 * Derives a request's status from its machines at `now` (the spec's rules): once every slot has an
 * outcome (running units cover the request, or nothing is executing and outcomes cover it) → completed / partial / failed; otherwise at or after the deadline → timeout (pending
 * requests, never started, → failed); otherwise no change. Terminal requests never change.
 */
export function deriveRequestOutcome(request: OutcomeTerms, machines: readonly MachineView[], now: Date): RequestOutcome {
  const progress = assessMachines(request, machines);
  const keep = (reason = ''): RequestOutcome => ({ status: null, reason, progress });
  if (request.status !== 'pending' && request.status !== 'in_progress') return keep();
  const unit = request.unitWeights === null ? 'machine(s)' : 'unit(s)';
  const because = progress.firstFailure === null ? '' : ` (${progress.firstFailure})`;

  if (request.type === 'acquire') {
    // Every slot has an outcome once running units cover the request, or nothing is executing and outcomes cover it.
    const covered = progress.succeededUnits >= request.requestedCount;
    const settled = covered || (progress.unfinished === 0 && progress.settledUnits >= request.requestedCount);
    if (settled) {
      const { succeededUnits: got } = progress;
      const want = request.requestedCount;
      if (got >= want) return { status: 'completed', reason: `All ${want} requested ${unit} are running.`, progress };
      if (got > 0) return { status: 'partial', reason: `${got} of ${want} requested ${unit} are running; ${progress.failed} machine(s) failed${because}.`, progress };
      return { status: 'failed', reason: `None of the ${want} requested ${unit} started; ${progress.failed} machine(s) failed${because}.`, progress };
    }
  } else if (progress.unfinished === 0 && request.machineIds.length > 0) {
    const total = request.machineIds.length;
    if (progress.succeeded === total) return { status: 'completed', reason: `All ${total} machine(s) are terminated.`, progress };
    if (progress.succeeded > 0) return { status: 'partial', reason: `${progress.succeeded} of ${total} machine(s) are terminated; ${progress.failed} could not be terminated${because}.`, progress };
    return { status: 'failed', reason: `None of the ${total} machine(s) could be terminated${because}.`, progress };
  }

  const deadline = requestDeadline(request);
  if (now.getTime() < deadline.getTime()) return keep();
  if (request.status === 'pending') {
    return { status: 'failed', reason: `The request was never started by the provider before its deadline ${deadline.toISOString()}.`, progress };
  }
  const done = request.type === 'acquire'
    ? `${progress.succeededUnits} of ${request.requestedCount} requested ${unit} running`
    : `${progress.succeeded} of ${request.machineIds.length} machine(s) terminated`;
  return { status: 'timeout', reason: `The deadline ${deadline.toISOString()} passed with ${done}.`, progress };
}
