import type { RequestType } from '../shared/ids';
import type { Tags } from '../shared/tags';
import type { JsonValue } from '../shared/json';
import type { MachineStatus } from '../machine/machine-status';
import type { RequestStatus } from './request-status';

/** User data of a request: an object of named values or a string. */
export type RequestUserData = string | { readonly [key: string]: JsonValue };

/** The whole state of a request as JSON data (the snapshot without `schemaVersion`/`version`). */
export interface RequestState {
  readonly requestId: string;
  readonly type: RequestType;
  /** Acquire: the template; return: `null`. */
  readonly templateId: string | null;
  /** Acquire: units asked for (machines for ondemand, weights for spot/heterogeneous); return: machines named. */
  readonly requestedCount: number;
  /** Acquire on a weighted template: instance type → units, copied at creation; otherwise `null` (1 per machine). */
  readonly unitWeights: Readonly<Record<string, number>> | null;
  readonly machineIds: readonly string[];
  readonly resourceIds: readonly string[];
  readonly tags: Tags;
  readonly priority: number | null;
  /** Acquire: the account the machines are charged to (LSF's `rc_account`); absent when not given. */
  readonly rcAccount?: string;
  /** Acquire: the caller's user data for the machines (an object of named values or a string); absent when not given. */
  readonly userData?: RequestUserData;
  /** Caller key that makes creation idempotent (the use case looks it up); `null` when none. */
  readonly idempotencyKey: string | null;
  /** Return requests: machine id → the provider's reason for refusing to terminate it. */
  readonly terminationFailures: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly status: RequestStatus;
  /** Why the request is in its status (the reason of its last move); `''` while pending. */
  readonly statusMessage: string;
  readonly createdAt: string;
  /**
   * When the requester first asked about this request by id (proof it received the id); `null`
   * until then. Snapshots written before this field existed restore with `createdAt`.
   */
  readonly acknowledgedAt: string | null;
  readonly startedAt: string | null;
  readonly completedAt: string | null;
  /**
   * Acquire requests settled `failed` or `cancelled` whose provision is being released (see
   * {@link RequestRelease}); absent when no release was ever begun (every snapshot before it existed).
   */
  readonly release?: RequestRelease | null;
}

/**
 * The release of what an acquire request's provision started, begun when the request was settled
 * `failed` or abandoned: the request is described again until `until` at least, and until the cloud
 * reports nothing of it alive; then `releasedAt` is set. All instants are ISO-8601 text.
 */
export interface RequestRelease {
  /** When the release began (the settling commit). */
  readonly since: string;
  /** The end of the watch window: no release is confirmed before it. */
  readonly until: string;
  /** When the cloud was seen with nothing of the request alive after `until`; `null` while watched. */
  readonly releasedAt: string | null;
}

/** What a request needs to know about one of its machines; a Machine aggregate fits. */
export interface MachineView {
  readonly machineId: string;
  readonly status: MachineStatus;
  readonly statusReason?: string | null;
  /** Used to weigh machines of spot/heterogeneous requests; unknown types weigh 1. */
  readonly instanceType?: string | null;
}

/** One machine the provider refused to terminate, as given to `recordTerminationFailures`. */
export interface TerminationFailure {
  readonly machineId: string;
  readonly message: string;
}

/** Default `timeoutSeconds` of a request (one hour). */
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 3600;
/** Longest `timeoutSeconds` accepted (one day). */
export const MAX_REQUEST_TIMEOUT_SECONDS = 86_400;
/** Default per-request limit on `requestedCount`. */
export const DEFAULT_MAX_PER_REQUEST = 100;

/** Limits applied when an acquire request is created. */
export interface RequestLimits {
  /** Most units one request may ask for; default {@link DEFAULT_MAX_PER_REQUEST}. */
  readonly maxPerRequest?: number;
}
