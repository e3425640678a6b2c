import { DEFAULT_MAX_PER_REQUEST, type RequestLimits } from '../domain/request/request-state';

/** Limits a host factory applies; each field's default is in {@link DEFAULT_HOST_FACTORY_LIMITS}. */
export interface HostFactoryLimits extends RequestLimits {
  /** Longest a single provider call may take before it fails with `TIMEOUT`. */
  readonly providerTimeoutMs?: number;
  /** Most machines one return request may name. */
  readonly maxMachinesPerReturn?: number;
  /**
   * An acquire request nobody asked about by id this long after its creation (or past its deadline)
   * is settled by `Reconcile` as abandoned (its machines returned). 0 never settles.
   */
  readonly ackWindowMs?: number;
  /**
   * How long after an acquire request is settled failed or abandoned `Reconcile` keeps describing
   * it (and cancelling its provision), so machines a fleet launches late are still found and
   * returned; the release ends at the first run after it with nothing of the request alive. An
   * integer from 0 to 7 days, else `createHostFactory` throws `INVALID_CONFIGURATION`.
   */
  readonly releaseWindowMs?: number;
}

/**
 * The one source of each limit's default (docs/use-cases.md, "Defaults", lists them and a test keeps
 * that table equal to this object): what `createHostFactory` applies for a field `limits` leaves out.
 */
export const DEFAULT_HOST_FACTORY_LIMITS: Readonly<Required<HostFactoryLimits>> = Object.freeze({
  maxPerRequest: DEFAULT_MAX_PER_REQUEST,
  providerTimeoutMs: 30_000,
  maxMachinesPerReturn: 1000,
  /** 15 minutes: far above Symphony's polling interval. */
  ackWindowMs: 900_000,
  /** 30 minutes. */
  releaseWindowMs: 1_800_000,
});
