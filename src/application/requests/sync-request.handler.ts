import { commandHandler, type CommandHandler, type HandlerContext } from '../../kernel';
import type { RequestDto } from '../read-models/request.dto';
import { RUNTIME, type Runtime } from '../runtime';
import { SyncRequest } from './request.commands';
import { syncRequest } from './sync-request';

/**
 * Handles {@link SyncRequest}: reads the request, asks the provider (outside any transaction), then
 * applies the reports, attaches new machines and derives the status (deadline included) in one
 * transaction. A terminal request is answered as stored, without calling the provider. When the
 * provider fails, the deadline is still applied before the `PROVIDER_ERROR` is raised.
 */
@commandHandler(SyncRequest, { inject: [RUNTIME] })
export class SyncRequestHandler implements CommandHandler<SyncRequest> {
  constructor(private readonly runtime: Runtime) {}

  handle(command: SyncRequest, context: HandlerContext): Promise<RequestDto> {
    return syncRequest(this.runtime, command, context);
  }
}
