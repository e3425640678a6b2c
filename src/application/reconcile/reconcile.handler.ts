import type { Request } from '../../domain';
import { commandHandler, isKernelError, type CommandHandler, type HandlerContext } from '../../kernel';
import { COLLECTIONS } from '../read-models/projections';
import { SyncRequest } from '../requests/request.commands';
import { syncRequest } from '../requests/sync-request';
import { RUNTIME, type Runtime } from '../runtime';
import type { ReadModelDocument } from '../storage/read-model-store';
import { DEFAULT_RECONCILE_LIMIT, Reconcile, type ReconcileResult } from './reconcile.command';
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
 * left alone; any other is synced without acknowledging it. A conflict or failure on one request is
 * counted and the run goes on; nothing escapes but a failure to read the open requests.
 */
@commandHandler(Reconcile, { inject: [RUNTIME] })
export class ReconcileHandler implements CommandHandler<Reconcile> {
  constructor(private readonly runtime: Runtime) {}

  async handle(command: Reconcile, context: HandlerContext): Promise<ReconcileResult> {
    const started = performance.now();
    const { storage } = this.runtime;
    const result: ReconcileResult = { examined: 0, synced: 0, closed: 0, abandoned: 0, machinesReturned: 0, awaitingAcknowledgement: 0, conflicts: 0, errors: 0, remaining: 0 };
    const open = await storage.unitOfWork.transaction((tx) => tx.requests.findByStatus(['pending', 'in_progress']));
    const batch = rotation(open, await this.cursor()).slice(0, command.limit ?? DEFAULT_RECONCILE_LIMIT);
    const ackWindowMs = command.ackWindowMs ?? this.runtime.limits.ackWindowMs;

    let last: Request | undefined;
    for (const request of batch) {
      if (command.budgetMs !== undefined && performance.now() - started >= command.budgetMs) break;
      result.examined += 1;
      last = request;
      try {
        await this.reconcileOne(request, ackWindowMs, result, context);
      } catch (error) {
        if (isKernelError(error, 'CONCURRENCY_CONFLICT')) result.conflicts += 1;
        else {
          result.errors += 1;
          this.runtime.logger.warn(`reconciling ${request.requestId} failed; the next run retries it`, {
            requestId: request.requestId,
            error: error instanceof Error ? error.message : String(error),
          });
        }
      }
    }
    result.remaining = open.length - result.examined;
    if (last !== undefined) await this.saveCursor(last);
    return result;
  }

  private async reconcileOne(request: Request, ackWindowMs: number, result: ReconcileResult, context: HandlerContext): Promise<void> {
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
      result.abandoned += 1;
      result.closed += 1;
      result.machinesReturned += settled.machinesReturned;
      return;
    }
    const dto = await syncRequest(this.runtime, SyncRequest.from({ requestId: request.requestId, acknowledge: false }), context);
    result.synced += 1;
    if (dto.status !== 'pending' && dto.status !== 'in_progress') result.closed += 1;
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
