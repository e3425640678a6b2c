import { routeOnlyWhenListed } from '../kernel/registry';
import { ReconcileHandler } from './reconcile/reconcile.handler';
import { GetMachineHandler, ListMachinesHandler } from './machines/machine.query-handlers';
import { GetRequestHandler, GetRequestStatusHandler, GetReturnRequestsHandler, ListRequestsHandler, ListReturnRequestsHandler } from './requests/request.query-handlers';
import { CancelRequestHandler, SyncReclaimNoticesHandler, UpdateRequestStatusHandler } from './requests/request-admin.handlers';
import { RequestMachinesHandler } from './requests/request-machines.handler';
import { RequestReturnMachinesHandler } from './requests/return-machines.handler';
import { SyncRequestHandler } from './requests/sync-request.handler';
import { CreateTemplateHandler, DeleteTemplateHandler, ImportTemplatesHandler, UpdateTemplateHandler, ValidateTemplateHandler } from './templates/template.handlers';
import { GetTemplateHandler, ListTemplatesHandler, ValidateTemplateQueryHandler } from './templates/template.query-handlers';

/** Every handler class of the host-factory use cases, in the order a kernel registers them. */
export const HOST_FACTORY_HANDLERS = Object.freeze([
  CreateTemplateHandler,
  UpdateTemplateHandler,
  DeleteTemplateHandler,
  ValidateTemplateHandler,
  ImportTemplatesHandler,
  RequestMachinesHandler,
  RequestReturnMachinesHandler,
  SyncRequestHandler,
  SyncReclaimNoticesHandler,
  CancelRequestHandler,
  UpdateRequestStatusHandler,
  ReconcileHandler,
  ListTemplatesHandler,
  GetTemplateHandler,
  ValidateTemplateQueryHandler,
  GetRequestHandler,
  GetRequestStatusHandler,
  ListRequestsHandler,
  ListReturnRequestsHandler,
  GetMachineHandler,
  ListMachinesHandler,
  GetReturnRequestsHandler,
]);


// A host's own createKernel() (every decorated handler by default) must not pick these up: they
// need a host factory's runtime. A host factory lists them itself.
routeOnlyWhenListed(HOST_FACTORY_HANDLERS);
