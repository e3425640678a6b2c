import { RequestNotFoundError } from '../../domain';
import { commandHandler, type CommandHandler, type HandlerContext } from '../../kernel';
import type { RequestDto } from '../read-models/request.dto';
import { COLLECTIONS } from '../read-models/projections';
import { queryAll } from '../read-models/query-all';
import { callProvider, domainContext, RUNTIME, type Runtime } from '../runtime';
import { inSession } from '../session';
import { requestDtoOf } from './request-dto';
import { CancelRequest, SyncReclaimNotices, UpdateRequestStatus } from './request.commands';

/** Handles {@link CancelRequest}. */
@commandHandler(CancelRequest, { inject: [RUNTIME] })
export class CancelRequestHandler implements CommandHandler<CancelRequest> {
  constructor(private readonly runtime: Runtime) {}

  handle(command: CancelRequest, context: HandlerContext): Promise<RequestDto> {
    return inSession(this.runtime.storage, async (session) => {
      const request = await session.request(command.requestId);
      if (request === undefined) throw new RequestNotFoundError(command.requestId);
      request.cancel(command.reason ?? '', domainContext(this.runtime, context));
      return requestDtoOf(request);
    });
  }
}

/** Handles {@link UpdateRequestStatus}. */
@commandHandler(UpdateRequestStatus, { inject: [RUNTIME] })
export class UpdateRequestStatusHandler implements CommandHandler<UpdateRequestStatus> {
  constructor(private readonly runtime: Runtime) {}

  handle(command: UpdateRequestStatus, context: HandlerContext): Promise<RequestDto> {
    return inSession(this.runtime.storage, async (session) => {
      const request = await session.request(command.requestId);
      if (request === undefined) throw new RequestNotFoundError(command.requestId);
      request.changeStatus(command.status, command.reason, domainContext(this.runtime, context));
      return requestDtoOf(request);
    });
  }
}

/**
 * Handles {@link SyncReclaimNotices}: replaces the recorded notices with the provider's current
 * list, naming each machine by its host name when the machine is known.
 */
@commandHandler(SyncReclaimNotices, { inject: [RUNTIME] })
export class SyncReclaimNoticesHandler implements CommandHandler<SyncReclaimNotices> {
  constructor(private readonly runtime: Runtime) {}

  async handle(): Promise<{ notices: number }> {
    const { storage, clock } = this.runtime;
    const notices = await callProvider(this.runtime, 'reclaimNotices', undefined, () => this.runtime.provider.reclaimNotices());
    const machines = await storage.unitOfWork.transaction((tx) => tx.machines.getMany(notices.map((n) => n.machineId)));
    const names = new Map(machines.map((m) => [m.machineId, m.name]));
    const store = storage.readModels;
    const current = new Set(notices.map((n) => n.machineId));
    for (const doc of await queryAll(store, COLLECTIONS.reclaimNotices)) {
      if (!current.has(doc.id)) await store.delete(COLLECTIONS.reclaimNotices, doc.id);
    }
    const noticedAt = clock.now().toISOString();
    for (const notice of notices) {
      await store.put(COLLECTIONS.reclaimNotices, {
        id: notice.machineId,
        machineId: notice.machineId,
        name: notice.name ?? names.get(notice.machineId) ?? null,
        gracePeriod: Math.max(0, Math.floor(notice.gracePeriod)),
        reason: notice.reason ?? 'The cloud is reclaiming this machine.',
        noticedAt,
      });
    }
    return { notices: notices.length };
  }
}
