import type { DomainEventBase } from '../shared/event-base';
import type { RequestRelease, RequestState, TerminationFailure } from './request-state';
import type { RequestStatus } from './request-status';

/** A request was created; carries the whole initial request. */
export type RequestCreated = DomainEventBase<'RequestCreated', 'Request', {
  readonly request: RequestState;
}>;

/** The request moved from one status to another; `reason` becomes its status message. */
export type RequestStatusChanged = DomainEventBase<'RequestStatusChanged', 'Request', {
  readonly from: RequestStatus;
  readonly to: RequestStatus;
  readonly reason: string;
  readonly startedAt: string | null;
  readonly completedAt: string | null;
}>;

/** Machines and/or provider resources were attached; `added*` are the new ones, the others the full lists after. */
export type RequestMachinesAttached = DomainEventBase<'RequestMachinesAttached', 'Request', {
  readonly addedMachineIds: readonly string[];
  readonly addedResourceIds: readonly string[];
  readonly machineIds: readonly string[];
  readonly resourceIds: readonly string[];
}>;

/** The provider refused to terminate machines of a return request; `failures` are the new ones, `terminationFailures` all after. */
export type RequestTerminationFailed = DomainEventBase<'RequestTerminationFailed', 'Request', {
  readonly failures: readonly TerminationFailure[];
  readonly terminationFailures: Readonly<Record<string, string>>;
}>;

/**
 * A terminate call of a return request was not confirmed and is sent again for `machineIds`. The
 * version step it takes is the claim: of two processes about to re-send, one commits and sends.
 */
export type RequestTerminationResent = DomainEventBase<'RequestTerminationResent', 'Request', {
  readonly machineIds: readonly string[];
}>;

/** The requester asked about the request by id for the first time: it holds the id. */
export type RequestAcknowledged = DomainEventBase<'RequestAcknowledged', 'Request', {
  readonly acknowledgedAt: string;
}>;

/**
 * The release of what a settled acquire request's provision started began: the request is
 * described again until `release.until` at least (see `Request.beginRelease`).
 */
export type RequestReleaseStarted = DomainEventBase<'RequestReleaseStarted', 'Request', {
  readonly release: RequestRelease;
}>;

/** The cloud reported nothing of the request alive after its watch window: its release is over. */
export type RequestReleased = DomainEventBase<'RequestReleased', 'Request', {
  readonly release: RequestRelease;
}>;

/**
 * The request reached a terminal status (recorded right after that RequestStatusChanged). Counts are
 * machines judged by the result table; `null` when the move was not derived from machine state.
 */
export type RequestCompleted = DomainEventBase<'RequestCompleted', 'Request', {
  readonly status: RequestStatus;
  readonly reason: string;
  readonly succeeded: number | null;
  readonly failed: number | null;
  readonly completedAt: string;
}>;

/** Every event a Request records. */
export type RequestEvent =
  | RequestCreated
  | RequestStatusChanged
  | RequestMachinesAttached
  | RequestTerminationFailed
  | RequestTerminationResent
  | RequestAcknowledged
  | RequestCompleted
  | RequestReleaseStarted
  | RequestReleased;
