import type { Request } from '../../domain/request/request';
import { commandHandler, isKernelError, type CommandHandler, type HandlerContext } from '../../kernel';
import { COLLECTIONS } from '../read-models/projections';
import { SyncRequest } from '../requests/request.commands';
import { syncRequest } from '../requests/sync-request';
import { RUNTIME, type Runtime } from '../runtime';
import type { ReadModelDocument } from '../../storage/read-model-store';
import { DEFAULT_RECONCILE_LIMIT, Reconcile, type ReconcileResult } from './reconcile.command';
import { checkRelease, releasesInProgress } from './release-provision';
import { settleAbandoned } from './settle-abandoned';

/** Read-model document holding where the rotation stopped (a hint: losing it only restarts the rotation). */
type Cursor = ReadModelDocument & {
  readonly id: string;
  readonly createdAt: string;
  readonly requestId: string;
};
const CURSOR_ID = 'cursor';

/**
 * Handles {@link Reconcile}. Reads the open requests once (oldest first), picks up to `limit` of
 * them starting after the request the previous run stopped at (wrapping around), and for each: an
 * unacknowledged acquire request past the window is settled as abandoned; one inside the window is
 * left alone; any other is synced without acknowledging it. Then, within the same budget, up to
 * `limit` releases in progress (oldest first) are checked. A conflict or failure on one request is
 * counted and the run goes on; nothing escapes but a failure to read the open requests.
 */
@commandHandler(Reconcile, { inject: [RUNTIME] })
export class ReconcileHandler implements CommandHandler<Reconcile> {
  constructor(private readonly runtime: Runtime) {}

  async handle(command: Reconcile, context: HandlerContext): Promise<ReconcileResult> {
    const started = performance.now();
    const { storage } = this.runtime;
    const result: ReconcileResult = { examined: 0, synced: 0, closed: 0, abandoned: 0, machinesReturned: 0, awaitingAcknowledgement: 0, conflicts: 0, errors: 0, remaining: 0, releasing: 0, released: 0 };
    const open = await storage.unitOfWork.transaction((tx) => tx.requests.findByStatus(['pending', 'in_progress']));
    const batch = rotation(open, await this.cursor()).slice(0, command.limit ?? DEFAULT_RECONCILE_LIMIT);
    const ackWindowMs = command.ackWindowMs ?? this.runtime.limits.ackWindowMs;

    const spent = () => command.budgetMs !== undefined && performance.now() - started >= command.budgetMs;

    // Requests settled by this run begin their release here; their first check is the next run's.
    const settledNow = new Set<string>();
    let last: Request | undefined;
    for (const request of batch) {
      if (spent()) break;
      result.examined += 1;
      last = request;
      await this.guarded(request.requestId, result, () => this.reconcileOne(request, ackWindowMs, result, settledNow, context));
    }
    result.remaining = open.length - result.examined;
    if (last !== undefined) await this.saveCursor(last);

    if (!spent()) await this.checkReleases(command, result, settledNow, spent, context);
    return result;
  }

  /** Checks up to `limit` releases in progress; a failure to list them is counted and logged, not thrown. */
  private async checkReleases(command: Reconcile, result: ReconcileResult, settledNow: ReadonlySet<string>, spent: () => boolean, context: HandlerContext): Promise<void> {
    let releases: Awaited<ReturnType<typeof releasesInProgress>>;
    try {
      releases = await releasesInProgress(this.runtime, command.limit ?? DEFAULT_RECONCILE_LIMIT);
    } catch (error) {
      result.errors += 1;
      this.runtime.logger.warn('listing the releases in progress failed; the next run retries', { error: error instanceof Error ? error.message : String(error) });
      return;
    }
    for (const release of releases) {
      if (spent()) break;
      if (settledNow.has(release.requestId)) continue;
      await this.guarded(release.requestId, result, async () => {
        const check = await checkRelease(this.runtime, release.requestId, context);
        if (check.conflict) result.conflicts += 1;
        if (!check.checked) return;
        result.releasing += 1;
        if (check.released) result.released += 1;
        result.machinesReturned += check.machinesReturned;
      });
    }
  }

  /** Runs one request's step: a conflict or failure is counted (and logged), never thrown. */
  private async guarded(requestId: string, result: ReconcileResult, step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      if (isKernelError(error, 'CONCURRENCY_CONFLICT')) result.conflicts += 1;
      else {
        result.errors += 1;
        this.runtime.logger.warn(`reconciling ${requestId} failed; the next run retries it`, {
          requestId,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }

  private async reconcileOne(request: Request, ackWindowMs: number, result: ReconcileResult, settledNow: Set<string>, context: HandlerContext): Promise<void> {
    if (request.type === 'acquire' && request.acknowledgedAt === null && ackWindowMs > 0) {
      const now = this.runtime.clock.now().getTime();
      // Settled when the window has passed, or the deadline did (no request stays open past it).
      if (now - request.createdAt.getTime() < ackWindowMs && now < request.deadline.getTime()) {
        // The requester may still be about to ask; syncing could provision for a request nobody knows.
        result.awaitingAcknowledgement += 1;
        return;
      }
      const settled = await settleAbandoned(this.runtime, request, ackWindowMs, context);
      if (!settled.settled) {
        // Changed since it was read (another process settled it, or its requester just asked).
        result.conflicts += 1;
        return;
      }
      settledNow.add(request.requestId);
      result.abandoned += 1;
      result.closed += 1;
      result.machinesReturned += settled.machinesReturned;
      return;
    }
    const dto = await syncRequest(this.runtime, SyncRequest.from({ requestId: request.requestId, acknowledge: false }), context);
    result.synced += 1;
    if (dto.status !== 'pending' && dto.status !== 'in_progress') {
      result.closed += 1;
      settledNow.add(request.requestId);
    }
  }

  private async cursor(): Promise<Cursor | undefined> {
    try {
      return await this.runtime.storage.readModels.get<Cursor>(COLLECTIONS.reconciler, CURSOR_ID);
    } catch (error) {
      this.runtime.logger.warn('reading the reconcile cursor failed; starting from the oldest open request', { error: String(error) });
      return undefined;
    }
  }

  private async saveCursor(last: Request): Promise<void> {
    try {
      await this.runtime.storage.readModels.put(COLLECTIONS.reconciler, { id: CURSOR_ID, createdAt: last.createdAt.toISOString(), requestId: last.requestId });
    } catch (error) {
      this.runtime.logger.warn('saving the reconcile cursor failed; the next run starts from the oldest open request', { error: String(error) });
    }
  }
}

/** The open requests (oldest first) starting after `cursor`, then from the oldest again: a round robin. */
function rotation(open: readonly Request[], cursor: Cursor | undefined): Request[] {
  if (cursor === undefined) return [...open];
  const after = (r: Request) => {
    const at = r.createdAt.toISOString();
    return at > cursor.createdAt || (at === cursor.createdAt && r.requestId > cursor.requestId);
  };
  const split = open.findIndex(after);
  return split <= 0 ? [...open] : [...open.slice(split), ...open.slice(0, split)];
}
