import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { Command } from '../../kernel';

/** Most requests one {@link Reconcile} run looks at unless `limit` says otherwise. */
export const DEFAULT_RECONCILE_LIMIT = 50;

/** What one {@link Reconcile} run did; every field is a count. */
export interface ReconcileResult {
  /** Open requests looked at in this run. */
  examined: number;
  /** Requests synchronised with the provider (status derived, deadline applied, lost calls re-sent). */
  synced: number;
  /** Requests that reached a terminal status in this run. */
  closed: number;
  /** Acquire requests nobody acknowledged within the window, settled: machines returned, request cancelled. */
  abandoned: number;
  /** Machines this run asked the provider to terminate while settling abandoned requests. */
  machinesReturned: number;
  /** Unacknowledged acquire requests still inside the window, left for the requester to ask about. */
  awaitingAcknowledgement: number;
  /** Requests skipped because another process changed them at the same time; the next run retries. */
  conflicts: number;
  /** Requests whose provider call or storage step failed; logged, the next run retries. */
  errors: number;
  /** Open requests left for later runs (the limit or the time budget was reached). */
  remaining: number;
  /** Settled requests whose release was checked: their provision cancelled again and described for machines launched late. */
  releasing: number;
  /** Releases that ended in this run: the window passed and the cloud reports nothing of the request alive. */
  released: number;
}

/**
 * Brings storage and the cloud back into agreement, a bounded slice at a time: looks at up to
 * `limit` open requests, in a rotation that reaches every open request (oldest first, resuming
 * after the last one a previous run reached), syncs each with the provider, and settles acquire
 * requests nobody acknowledged within `ackWindowMs`; then checks up to `limit` settled requests whose
 * provision is being released (see `limits.releaseWindowMs`). Safe to run from several processes at once.
 */
export class Reconcile extends Command<ReconcileResult> {
  /** Most requests looked at in this run. Default {@link DEFAULT_RECONCILE_LIMIT}. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  /** Start no new request after this many milliseconds of the run (a request already started finishes). Default: no budget. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(600_000)
  budgetMs?: number;

  /**
   * An acquire request nobody asked about by id (`SyncRequest`, Symphony's getRequestStatus) this
   * long after its creation, or past its deadline, is settled as abandoned. 0 never settles (such
   * requests are synced like any other). Default `limits.ackWindowMs`.
   */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(7 * 86_400_000)
  ackWindowMs?: number;
}
