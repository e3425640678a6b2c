import { ValidationError } from '../../kernel/errors';
import { AggregateRoot } from '../shared/domain-event';
import { newRequestId, type RequestType } from '../shared/ids';
import { cloneJson } from '../shared/json';
import { readStoredSnapshot } from '../shared/stored-schemas';
import type { DomainContext } from '../shared/ports';
import type { Tags } from '../shared/tags';
import { checkText } from '../shared/text';
import type { RequestUserData } from './request-input';
import { Issues, describeValue } from '../../kernel/validation';
import type { AcquireRequestInput, ReturnRequestInput } from './request-input';
import { admitAcquire, admitReturn, type NewRequestFields } from './request-admission';
import { deriveRequestOutcome, requestDeadline, type RequestProgress } from './request-outcome';
import { admitAttachments, admitTerminationFailures, checkTerminationResend } from './request-machines';
import { endRelease, startRelease } from './request-release';
import type { MachineView, RequestRelease, RequestState, TerminationFailure } from './request-state';
import { assertRequestMove, isRequestStatus, isTerminalRequestStatus, type RequestStatus } from './request-status';
import type { RequestEvent } from './request.events';

/** Stored form of a Request (schema 1). */
export interface RequestSnapshot extends RequestState {
  readonly schemaVersion: 1;
  readonly version: number;
}

/** A request for machines (`acquire`) or to hand machines back (`return`) (aggregate, identity `requestId`). */
export class Request extends AggregateRoot<RequestEvent> {
  #state: RequestState;

  private constructor(state: RequestState, version: number) {
    super(version);
    this.#state = state;
  }

  /**
   * Creates a pending acquire request. Throws VALIDATION_FAILED (all problems), TEMPLATE_INACTIVE,
   * or TEMPLATE_CAPACITY_EXCEEDED when `requestedCount` exceeds the per-request limit or the
   * template's remaining capacity (−1 = 10000 units, 0 = none). Records RequestCreated.
   */
  static createAcquire(input: AcquireRequestInput, ctx: DomainContext): Request {
    return Request.#create(admitAcquire(input), ctx);
  }

  /** Creates a pending return request for `machineIds` (non-empty, distinct). Throws VALIDATION_FAILED. Records RequestCreated. */
  static createReturn(input: ReturnRequestInput, ctx: DomainContext): Request {
    return Request.#create(admitReturn(input), ctx);
  }

  static #create(fields: NewRequestFields, ctx: DomainContext): Request {
    const requestId = fields.requestId === '' ? newRequestId(fields.type, ctx.ids) : fields.requestId;
    const state: RequestState = {
      ...fields,
      requestId,
      resourceIds: [],
      status: 'pending',
      statusMessage: '',
      createdAt: ctx.now.toISOString(),
      acknowledgedAt: null,
      startedAt: null,
      completedAt: null,
    };
    const request = new Request(state, 0);
    request.beginChange();
    request.record('RequestCreated', { request: cloneJson(state) }, ctx);
    return request;
  }

  /** Rebuilds a request from its snapshot; records nothing. Upcasts an older schema; throws SCHEMA_VERSION_UNSUPPORTED for one this release cannot read. */
  static restore(snapshot: RequestSnapshot): Request {
    snapshot = readStoredSnapshot('Request', snapshot);
    const { schemaVersion: _s, version, ...state } = cloneJson(snapshot);
    // Written before acknowledgement was recorded: count it acknowledged, so no reconciler settles it.
    return new Request({ ...state, acknowledgedAt: state.acknowledgedAt === undefined ? state.createdAt : state.acknowledgedAt }, version);
  }

  protected get aggregateType(): 'Request' {
    return 'Request';
  }
  protected get aggregateId(): string {
    return this.#state.requestId;
  }

  get requestId(): string { return this.#state.requestId; }
  get type(): RequestType { return this.#state.type; }
  get templateId(): string | null { return this.#state.templateId; }
  get requestedCount(): number { return this.#state.requestedCount; }
  get unitWeights(): Readonly<Record<string, number>> | null { return cloneJson(this.#state.unitWeights); }
  get machineIds(): readonly string[] { return frozenList(this.#state.machineIds); }
  get resourceIds(): readonly string[] { return frozenList(this.#state.resourceIds); }
  get tags(): Tags { return cloneJson(this.#state.tags); }
  get priority(): number | null { return this.#state.priority; }
  /** The account of an acquire request (LSF's `rc_account`), when given. */
  get rcAccount(): string | undefined { return this.#state.rcAccount; }
  /** The caller's user data of an acquire request, when given (a copy). */
  get userData(): RequestUserData | undefined { return this.#state.userData === undefined ? undefined : cloneJson(this.#state.userData); }
  get idempotencyKey(): string | null { return this.#state.idempotencyKey; }
  /** Return requests: machine id → the provider's reason for refusing to terminate it. */
  get terminationFailures(): Readonly<Record<string, string>> { return cloneJson(this.#state.terminationFailures); }
  get timeoutSeconds(): number { return this.#state.timeoutSeconds; }
  get status(): RequestStatus { return this.#state.status; }
  get statusMessage(): string { return this.#state.statusMessage; }
  get createdAt(): Date { return new Date(this.#state.createdAt); }
  /** When the requester first asked about it by id; `null` while nobody has (see {@link acknowledge}). */
  get acknowledgedAt(): Date | null { return this.#state.acknowledgedAt === null ? null : new Date(this.#state.acknowledgedAt); }
  get startedAt(): Date | null { return this.#state.startedAt === null ? null : new Date(this.#state.startedAt); }
  get completedAt(): Date | null { return this.#state.completedAt === null ? null : new Date(this.#state.completedAt); }
  /** `createdAt + timeoutSeconds`. */
  get deadline(): Date { return requestDeadline(this.#state); }
  /** The release of what its provision started (acquire requests settled failed or abandoned); `null` when none began. */
  get release(): RequestRelease | null { return this.#state.release == null ? null : { ...this.#state.release }; }
  /** True while a release has begun and the cloud has not yet confirmed nothing of the request runs. */
  get releasePending(): boolean { return this.#state.release != null && this.#state.release.releasedAt === null; }
  /** True in completed, partial, failed, cancelled and timeout. */
  get isTerminal(): boolean { return isTerminalRequestStatus(this.#state.status); }

  /** pending → in_progress (the provider accepted the request). No-op when in progress; INVALID_REQUEST_STATE_TRANSITION when terminal. */
  start(ctx: DomainContext): void {
    this.changeStatus('in_progress', 'The provider accepted the request.', ctx);
  }

  /**
   * Attaches machines and provider resources, keeping order and skipping ids already attached
   * (never loses or duplicates one). Starts a pending request. A return request's machines are
   * fixed: naming a new one is VALIDATION_FAILED. Records RequestMachinesAttached; no-op when nothing is new.
   */
  attachMachines(machineIds: readonly string[], resourceIds: readonly string[], ctx: DomainContext): void {
    const { addedMachineIds, addedResourceIds } = admitAttachments(this.#state, machineIds, resourceIds);
    if (addedMachineIds.length === 0 && addedResourceIds.length === 0) return;

    this.beginChange();
    if (this.#state.status === 'pending') this.#move('in_progress', 'The provider accepted the request.', null, ctx);
    this.#state = {
      ...this.#state,
      machineIds: [...this.#state.machineIds, ...addedMachineIds],
      resourceIds: [...this.#state.resourceIds, ...addedResourceIds],
    };
    this.record('RequestMachinesAttached', {
      addedMachineIds,
      addedResourceIds,
      machineIds: [...this.#state.machineIds],
      resourceIds: [...this.#state.resourceIds],
    }, ctx);
  }

  /**
   * Records machines of a return request the provider refused to terminate; they count as failed
   * in derivation unless later seen terminated. VALIDATION_FAILED for an acquire request or a machine
   * the request does not name. Records RequestTerminationFailed; no-op when nothing is new.
   */
  recordTerminationFailures(failures: readonly TerminationFailure[], ctx: DomainContext): void {
    const added = admitTerminationFailures(this.#state, failures);
    if (added.length === 0) return;
    this.beginChange();
    const terminationFailures = { ...this.#state.terminationFailures };
    for (const failure of added) terminationFailures[failure.machineId] = failure.message;
    this.#state = { ...this.#state, terminationFailures };
    this.record('RequestTerminationFailed', { failures: added, terminationFailures: { ...terminationFailures } }, ctx);
  }

  /**
   * Re-derives the status from the attached machines at `ctx.now` (see deriveRequestOutcome):
   * completed / partial / failed once every slot has an outcome, timeout at the deadline. A pending
   * request passes through in_progress. No-op when nothing changes or the request is terminal.
   */
  synchronise(machines: readonly MachineView[], ctx: DomainContext): void {
    const outcome = deriveRequestOutcome(this.#state, machines, ctx.now);
    const to = outcome.status;
    if (to === null || to === this.#state.status) return;
    this.beginChange();
    if (this.#state.status === 'pending' && to !== 'failed' && to !== 'cancelled') {
      this.#move('in_progress', 'The provider accepted the request.', null, ctx);
    }
    if (to !== 'in_progress') this.#move(to, outcome.reason, outcome.progress, ctx);
  }

  /**
   * Claims the re-sending of a terminate call that was never confirmed (return requests in progress,
   * machines it names). Records RequestTerminationResent; saved with its version, so two processes
   * about to re-send cannot both commit. VALIDATION_FAILED otherwise; no-op for an empty list.
   */
  resendTermination(machineIds: readonly string[], ctx: DomainContext): void {
    checkTerminationResend(this.#state, machineIds);
    if (machineIds.length === 0) return;
    this.beginChange();
    this.record('RequestTerminationResent', { machineIds: [...machineIds] }, ctx);
  }

  /**
   * Records that the requester asked about this request by id, so it holds the id (a reconciler
   * settles only requests nobody acknowledged). Records RequestAcknowledged once; later calls are no-ops.
   */
  acknowledge(ctx: DomainContext): void {
    if (this.#state.acknowledgedAt !== null) return;
    const acknowledgedAt = ctx.now.toISOString();
    this.beginChange();
    this.#state = { ...this.#state, acknowledgedAt };
    this.record('RequestAcknowledged', { acknowledgedAt }, ctx);
  }

  /** The provider failed while serving the request: → failed with its message. No-op when already failed. */
  fail(providerMessage: string, ctx: DomainContext): void {
    const reason = providerMessage.trim() === '' ? 'The provider failed without a message.' : providerMessage;
    this.changeStatus('failed', reason, ctx);
  }

  /** → cancelled (from pending or in_progress). Machines stay attached; see docs/domain.md. No-op when already cancelled. */
  cancel(reason: string, ctx: DomainContext): void {
    this.changeStatus('cancelled', reason.trim() === '' ? 'The request was cancelled.' : reason, ctx);
  }

  /**
   * Begins releasing what the provision of this acquire request started, once it is settled
   * `failed` or `cancelled`: it is described again until `until` (a fleet can launch late) and
   * until the cloud reports nothing of it alive (see {@link confirmRelease}). VALIDATION_FAILED for a
   * return request, another status, or `until` before `ctx.now`. Records RequestReleaseStarted;
   * no-op when a release already began (its window is kept).
   */
  beginRelease(until: Date, ctx: DomainContext): void {
    const release = startRelease(this.#state, until, ctx);
    if (release === null) return;
    this.beginChange();
    this.#state = { ...this.#state, release };
    this.record('RequestReleaseStarted', { release: { ...release } }, ctx);
  }

  /**
   * Ends the release once its window has passed (`ctx.now` ≥ `until`) and the cloud reports none of
   * the request's machines alive (`alive`: the ids it still reports in a status that runs). Returns
   * true when the release is over (now or before); false, changing nothing, while it must go on.
   * Records RequestReleased. VALIDATION_FAILED when no release began.
   */
  confirmRelease(alive: readonly string[], ctx: DomainContext): boolean {
    const released = endRelease(this.#state, alive, ctx);
    if (typeof released === 'boolean') return released;
    this.beginChange();
    this.#state = { ...this.#state, release: released };
    this.record('RequestReleased', { release: { ...released } }, ctx);
    return true;
  }

  /**
   * Moves to `to` if the status machine allows it, else INVALID_REQUEST_STATE_TRANSITION naming
   * both statuses and nothing changes. Same status: no-op. Records RequestStatusChanged (+ RequestCompleted when terminal).
   */
  changeStatus(to: RequestStatus, reason: string, ctx: DomainContext): void {
    if (!isRequestStatus(to)) {
      throw new ValidationError('request status', [{ path: 'status', constraint: 'isRequestStatus', message: `is not a request status: ${describeValue(to)}` }]);
    }
    const issues = new Issues();
    checkText(issues, 'reason', reason, 'reason');
    issues.throwIfAny('request status reason');
    if (to === this.#state.status) return;
    assertRequestMove(this.requestId, this.#state.status, to);
    this.beginChange();
    this.#move(to, reason, null, ctx);
  }

  /** Plain JSON-safe state (dates as ISO strings), schema 1: the storage contract. */
  toSnapshot(): RequestSnapshot {
    return { schemaVersion: 1, ...cloneJson(this.#state), version: this.version };
  }

  #move(to: RequestStatus, reason: string, progress: RequestProgress | null, ctx: DomainContext): void {
    const from = this.#state.status;
    assertRequestMove(this.requestId, from, to);
    const now = ctx.now.toISOString();
    const terminal = isTerminalRequestStatus(to);
    this.#state = {
      ...this.#state,
      status: to,
      statusMessage: reason,
      startedAt: this.#state.startedAt ?? (to === 'in_progress' ? now : null),
      completedAt: terminal ? now : null,
    };
    const { startedAt, completedAt } = this.#state;
    this.record('RequestStatusChanged', { from, to, reason, startedAt, completedAt }, ctx);
    if (terminal) {
      this.record('RequestCompleted', {
        status: to,
        reason,
        succeeded: progress?.succeeded ?? null,
        failed: progress?.failed ?? null,
        completedAt: now,
      }, ctx);
    }
  }
}

/** Frozen copies of id lists, made once per list: the state replaces a list on change, never edits it. */
const frozenCopies = new WeakMap<readonly string[], readonly string[]>();

/**
 * A frozen copy of `list`, shared by every read until the state replaces the list. A handler that
 * checks 1,000 machines against `request.machineIds` no longer copies the list 1,000 times.
 */
function frozenList(list: readonly string[]): readonly string[] {
  let copy = frozenCopies.get(list);
  if (copy === undefined) frozenCopies.set(list, (copy = Object.freeze([...list])));
  return copy;
}
