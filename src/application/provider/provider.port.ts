import type { MachineStatus } from '../../domain/machine/machine-status';
import type { RequestUserData } from '../../domain/request/request-input';
import type { TemplateSnapshot } from '../../domain/template/template';

/** What the cloud reports about one machine; absent facts are unknown, not cleared. */
export interface ProviderMachine {
  /** The provider's instance id. */
  readonly machineId: string;
  readonly status: MachineStatus;
  /** Why it is in that status (the provider's state reason); required for `failed`. */
  readonly statusReason?: string | null;
  /** Host name Symphony will know it by. */
  readonly name?: string | null;
  readonly resourceId?: string | null;
  readonly instanceType?: string | null;
  readonly priceType?: 'ondemand' | 'spot' | null;
  readonly cloudHostId?: string | null;
  readonly privateIpAddress?: string | null;
  readonly publicIpAddress?: string | null;
  readonly instanceTags?: Readonly<Record<string, string>>;
  readonly launchTime?: Date | null;
}

/** Input of {@link ProviderPort.provision}. */
export interface ProvisionInput {
  /** The acquire request; use it as the cloud's idempotency token (provision may be called again for it). */
  readonly requestId: string;
  readonly template: TemplateSnapshot;
  /** Units to create: machines for ondemand templates, weights for spot/heterogeneous. */
  readonly count: number;
  readonly tags: Readonly<Record<string, string>>;
  /** The account the machines are charged to (LSF's `rc_account`), when the request has one: tag the machines with it. */
  readonly rcAccount?: string;
  /** The request's user data (an object of named values or a string), when it has one: hand it to the machines. */
  readonly userData?: RequestUserData;
}

/** What {@link ProviderPort.provision} started. */
export interface ProvisionResult {
  /** Provider-side handles to describe later (fleet ids, reservation ids, group names). */
  readonly resourceIds: readonly string[];
  /** Machines already known at this point (may be empty; the rest arrive through describe). */
  readonly machines: readonly ProviderMachine[];
}

/** Input of {@link ProviderPort.describe}. */
export interface DescribeInput {
  readonly requestId: string;
  readonly resourceIds: readonly string[];
  /** Machines already attached to the request. */
  readonly machineIds: readonly string[];
}

/** Input of {@link ProviderPort.terminate}. */
export interface TerminateInput {
  /** The return request (or the acquire request when cleaning up). */
  readonly requestId: string;
  readonly machineIds: readonly string[];
}

/** What {@link ProviderPort.terminate} did, per machine. */
export interface TerminateResult {
  /** Machines whose termination the cloud accepted (or that were already gone). */
  readonly accepted: readonly string[];
  /** Machines the cloud refused to terminate, each with its message. */
  readonly failed: readonly { readonly machineId: string; readonly message: string }[];
}

/** Input of {@link ProviderPort.cancelProvision}. */
export interface CancelProvisionInput {
  /** The acquire request whose provision is cancelled (the id `provision` was given). */
  readonly requestId: string;
  /** Handles recorded for it (may be empty: the call that returned them may have died, so find the rest by request id). */
  readonly resourceIds: readonly string[];
  /** Machines attached to it. */
  readonly machineIds: readonly string[];
}

/** What {@link ProviderPort.cancelProvision} did. */
export interface CancelProvisionResult {
  /** Provider-side handles this call released or found already gone (fleets, groups, templates, instances); empty when the cloud knew nothing left. */
  readonly released: readonly string[];
}

/** A machine the cloud is about to take back (for example a spot interruption notice). */
export interface ReclaimNotice {
  readonly machineId: string;
  /** Host name, when known to the provider. */
  readonly name?: string | null;
  /** Seconds until the cloud takes the machine. */
  readonly gracePeriod: number;
  readonly reason?: string;
}

/**
 * The cloud, as the host implements it. Every method may throw; the library turns a throw into
 * `PROVIDER_ERROR` with the provider's message. Calls are made outside storage transactions.
 */
export interface ProviderPort {
  /**
   * Starts creating machines for an acquire request. Must be idempotent per `requestId`. A throw
   * means nothing was started for it (the request is marked failed and never looked at again): an
   * adapter that started some machines before an error returns them instead of throwing.
   */
  provision(input: ProvisionInput): Promise<ProvisionResult>;
  /** Current facts of the request's machines, including ones created since the last call. */
  describe(input: DescribeInput): Promise<ProviderMachine[]>;
  /** Asks the cloud to terminate machines; machines already gone count as accepted. */
  terminate(input: TerminateInput): Promise<TerminateResult>;
  /** Machines the cloud will take back, with their grace periods. */
  reclaimNotices(): Promise<ReclaimNotice[]>;
  /**
   * Optional. Releases everything `provision` started for an acquire request the library settled
   * failed or abandoned: fleets (deleted with their instances), groups, launch templates, pending
   * spot requests, instances, found by request id as well as by `resourceIds`. Idempotent; safe
   * after a crash mid-call and for a request the cloud knows nothing of (resolves). A throw is
   * retried by the next `Reconcile`. Without it the library still describes the request during its
   * release window and terminates every machine it finds (see docs/ports.md).
   */
  cancelProvision?(input: CancelProvisionInput): Promise<CancelProvisionResult>;
  /**
   * Optional. Refuses a template this provider can never serve, by throwing a KernelError naming
   * the template and the key (e.g. `UNKNOWN_PROVIDER`). Called when a template is created, updated
   * or imported, inside its transaction, so a refused template is not stored. Synchronous and pure.
   */
  checkTemplate?(template: TemplateSnapshot): void;
}
