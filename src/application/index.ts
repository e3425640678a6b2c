/**
 * The host-factory use cases: ports a host implements, typed commands and queries with their
 * handlers, read-model DTOs and projections, and `createHostFactory()` that wires them.
 */
export type { TemplateRepository, RequestRepository, MachineRepository } from './storage/repositories';
export type { UnitOfWork, Transaction, Outbox } from './storage/unit-of-work';
export type { EventLog, StoredEvent } from './storage/event-log';
export type { ReadModelStore, ReadModelDocument, ReadModelFilter, ReadModelQuery, ReadModelPage } from './storage/read-model-store';
export type { Storage } from './storage/storage';
export {
  checkReadModelQuery,
  checkSave,
  checkExpectedVersion,
  checkFinderLimit,
  DEFAULT_QUERY_LIMIT,
  MAX_QUERY_LIMIT,
} from './storage/adapter-checks';
export type { CheckedQuery, CheckedFilter, RangeBounds, Scalar } from './storage/adapter-checks';
export type {
  ProviderPort,
  ProviderMachine,
  ProvisionInput,
  ProvisionResult,
  DescribeInput,
  TerminateInput,
  TerminateResult,
  ReclaimNotice,
  CancelProvisionInput,
  CancelProvisionResult,
} from './provider/provider.port';
export type { HostFactoryLimits } from './tokens';
export { createHostFactory } from './host-factory';
export type { HostFactory, HostFactoryOptions } from './host-factory';
export { HOST_FACTORY_HANDLERS } from './handlers';

export { CreateTemplate, UpdateTemplate, DeleteTemplate, ValidateTemplate, ImportTemplates } from './templates/template.commands';
export type { TemplateChangeResult, TemplateIssuesReport, TemplateValidationReport, ImportedTemplate } from './templates/template.commands';
export { ListTemplates, GetTemplate, ValidateTemplateQuery } from './templates/template.queries';
export { readTemplatesDocument, MAX_TEMPLATES_PER_DOCUMENT } from './templates/templates-document';
export {
  RequestMachines,
  RequestReturnMachines,
  MachineReference,
  SyncRequest,
  SyncReclaimNotices,
  CancelRequest,
  UpdateRequestStatus,
} from './requests/request.commands';
export type { ReturnMachinesResult } from './requests/request.commands';
export { GetRequest, GetRequestStatus, ListRequests, ListReturnRequests, GetReturnRequests } from './requests/request.queries';
export { PagedQuery } from './read-models/paged-query';
export { Reconcile, DEFAULT_RECONCILE_LIMIT } from './reconcile/reconcile.command';
export type { ReconcileResult } from './reconcile/reconcile.command';
export type { Reconciler, ReconcilerOptions } from './reconcile/reconciler';
export { GetMachine, ListMachines } from './machines/machine.queries';
export { CAPACITY_HOLDING_STATUSES, committedUnits } from './requests/capacity';
export { NoActiveMachinesError } from './requests/request.errors';
export { reportRequestStatus, collectReturnRequests, RETURN_REQUESTS_RECONCILE } from './requests/status-reports';
export type { RequestStatusReport, ReturnRequestsReport, ReturnRequestsOptions, UseCaseBuses } from './requests/status-reports';

export { TemplateDto } from './read-models/template.dto';
export { RequestDto, RequestStatusDto, RequestMachineDto } from './read-models/request.dto';
export { MachineDto, ReclaimDto } from './read-models/machine.dto';
export { Page } from './read-models/page';
export { toPlain, fromPlain, IsoDate } from './read-models/dto';
export { COLLECTIONS, DEFAULT_PROJECTIONS, templatesProjection, requestsProjection, machinesProjection, releasesProjection } from './read-models/projections';
export type { Projection } from './read-models/projections';
export type { ProjectionLag } from './read-models/projector';
