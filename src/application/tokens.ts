import type { RequestLimits } from '../domain/request/request-state';

/** Limits a host factory applies; every field has a default. */
export interface HostFactoryLimits extends RequestLimits {
  /** Longest a single provider call may take before it fails with `TIMEOUT`. Default 30 000 ms. */
  readonly providerTimeoutMs?: number;
  /** Most machines one return request may name. Default 1000. */
  readonly maxMachinesPerReturn?: number;
  /**
   * An acquire request nobody asked about by id this long after its creation (or past its deadline)
   * is settled by `Reconcile` as abandoned (its machines returned). 0 never settles. Default 900 000 ms (15 min).
   */
  readonly ackWindowMs?: number;
  /**
   * How long after an acquire request is settled failed or abandoned `Reconcile` keeps describing
   * it (and cancelling its provision), so machines a fleet launches late are still found and
   * returned; the release ends at the first run after it with nothing of the request alive. Default 1 800 000 ms (30 min);
   * an integer from 0 to 7 days, else `createHostFactory` throws `INVALID_CONFIGURATION`.
   */
  readonly releaseWindowMs?: number;
}
