import { InvalidRequestStateTransitionError } from '../shared/errors';

/** Lifecycle status of a request. */
export type RequestStatus = 'pending' | 'in_progress' | 'completed' | 'partial' | 'failed' | 'cancelled' | 'timeout';

/** Every request status. */
export const REQUEST_STATUSES: readonly RequestStatus[] = [
  'pending', 'in_progress', 'completed', 'partial', 'failed', 'cancelled', 'timeout',
];

/** Statuses a request never leaves. */
export const TERMINAL_REQUEST_STATUSES: readonly RequestStatus[] = ['completed', 'partial', 'failed', 'cancelled', 'timeout'];

/** The enforced request status machine: status → statuses it may move to. */
export const REQUEST_TRANSITIONS: Readonly<Record<RequestStatus, readonly RequestStatus[]>> = {
  pending: ['in_progress', 'failed', 'cancelled'],
  in_progress: ['completed', 'partial', 'failed', 'cancelled', 'timeout'],
  completed: [],
  partial: [],
  failed: [],
  cancelled: [],
  timeout: [],
};

/** True for a status in {@link REQUEST_STATUSES}. */
export function isRequestStatus(value: unknown): value is RequestStatus {
  return REQUEST_STATUSES.includes(value as RequestStatus);
}

/** True for completed, partial, failed, cancelled and timeout. */
export function isTerminalRequestStatus(status: RequestStatus): boolean {
  return TERMINAL_REQUEST_STATUSES.includes(status);
}

/** True when the request status machine allows `from → to`. */
export function canRequestMove(from: RequestStatus, to: RequestStatus): boolean {
  return REQUEST_TRANSITIONS[from].includes(to);
}

/** Throws INVALID_REQUEST_STATE_TRANSITION naming both statuses unless `from → to` is allowed. */
export function assertRequestMove(requestId: string, from: RequestStatus, to: RequestStatus): void {
  if (!canRequestMove(from, to)) throw new InvalidRequestStateTransitionError(requestId, from, to, REQUEST_TRANSITIONS[from]);
}
