/**
 * hostfactory-kernel: a typed CQRS kernel and the Symphony host-factory use cases built on it. This
 * entry lists every name it exports; adapter authors find the storage ports and their checks in
 * `hostfactory-kernel/storage`, Symphony's wire contract is in `hostfactory-kernel/hostfactory`, and
 * the test kit is in `hostfactory-kernel/testing`.
 */
// class-transformer and typedi decorators need the Reflect metadata API; load it before them.
import 'reflect-metadata';

// The kernel: messages, handlers, buses, middleware, errors.
export {
  Command,
  Query,
  commandHandler,
  queryHandler,
  eventHandler,
  Inject,
  CommandBus,
  QueryBus,
  EventBus,
  createKernel,
  scoped,
  LOGGER,
  COMMAND_BUS,
  QUERY_BUS,
  EVENT_BUS,
  validation,
  logging,
  timeout,
  retry,
  silentLogger,
  stderrLogger,
  KernelError,
  isKernelError,
  ValidationError,
  HandlerNotFoundError,
  DuplicateHandlerError,
  TimeoutError,
  KernelVerificationError,
} from './kernel/index';
export type {
  ResultOf,
  MessageClass,
  MessageInput,
  HandlerClassDecorator,
  Constructor,
  InjectionToken,
  HandlerOptions,
  CommandHandler,
  QueryHandler,
  EventHandler,
  EventMessage,
  EventContext,
  DispatchContext,
  HandlerContext,
  ExecuteOptions,
  PublishReport,
  EventFailure,
  EventErrorListener,
  Kernel,
  KernelOptions,
  ScopedService,
  Middleware,
  LoggingOptions,
  RetryOptions,
  Logger,
  LogFields,
  KernelErrorJSON,
  KernelErrorOptions,
  ValidationIssue,
  KernelProblem,
} from './kernel/index';

// The host factory: wiring, the ports a host implements, and the values its messages carry.
export { createHostFactory } from './application/host-factory';
export type { HostFactory, HostFactoryOptions } from './application/host-factory';
export type { HostFactoryLimits } from './application/tokens';
export type { Storage } from './storage/storage';
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
} from './application/provider/provider.port';
export type { Projection } from './application/read-models/projections';
export type { ProjectionLag } from './application/read-models/projector';
export type { ReadModelStore, ReadModelDocument } from './storage/read-model-store';
export { systemClock, randomIds } from './domain/shared/ports';
export type { Clock, IdGenerator } from './domain/shared/ports';
export type { RequestType, RequestId, TemplateId, MachineId } from './domain/shared/ids';
export type { Tags } from './domain/shared/tags';
export type { JsonValue } from './domain/shared/json';
export type { PriceType, TemplateInput } from './domain/template/template-definition';
export type { TemplateSnapshot } from './domain/template/template';
export type { RequestUserData } from './domain/request/request-input';
export type { RequestStatus } from './domain/request/request-status';
export type { MachineStatus } from './domain/machine/machine-status';
export type { MachineResult } from './domain/machine/machine-result';
export type { DomainEvent, DomainEventType } from './domain/shared/domain-event';
export type { TemplateEvent, TemplateCreated, TemplateUpdated, TemplateDeleted } from './domain/template/template.events';
export type {
  RequestEvent,
  RequestCreated,
  RequestStatusChanged,
  RequestMachinesAttached,
  RequestTerminationFailed,
  RequestTerminationResent,
  RequestAcknowledged,
  RequestCompleted,
} from './domain/request/request.events';
export type { MachineEvent, MachineCreated, MachineStatusChanged, MachineUpdated, MachineReturnRequested } from './domain/machine/machine.events';

// Commands and queries of the use cases, and what they answer.
export { CreateTemplate, UpdateTemplate, DeleteTemplate, ValidateTemplate, ImportTemplates } from './application/templates/template.commands';
export type { TemplateChangeResult, TemplateIssuesReport, TemplateValidationReport, ImportedTemplate } from './application/templates/template.commands';
export { ListTemplates, GetTemplate, ValidateTemplateQuery } from './application/templates/template.queries';
export {
  RequestMachines,
  RequestReturnMachines,
  MachineReference,
  SyncRequest,
  SyncReclaimNotices,
  CancelRequest,
  UpdateRequestStatus,
} from './application/requests/request.commands';
export type { ReturnMachinesResult } from './application/requests/request.commands';
export { Reconcile, DEFAULT_RECONCILE_LIMIT } from './application/reconcile/reconcile.command';
export type { ReconcileResult } from './application/reconcile/reconcile.command';
export type { Reconciler, ReconcilerOptions } from './application/reconcile/reconciler';
export { GetRequest, GetRequestStatus, ListRequests, ListReturnRequests, GetReturnRequests } from './application/requests/request.queries';
export { GetMachine, ListMachines } from './application/machines/machine.queries';
export { TemplateDto } from './application/read-models/template.dto';
export { RequestDto, RequestStatusDto, RequestMachineDto } from './application/read-models/request.dto';
export { MachineDto, ReclaimDto } from './application/read-models/machine.dto';
export { Page } from './application/read-models/page';

// Errors the use cases raise, each with a stable `code`.
export {
  DOMAIN_ERROR_CODES,
  TemplateNotFoundError,
  TemplateAlreadyExistsError,
  TemplateInactiveError,
  TemplateInUseError,
  TemplateCapacityExceededError,
  RequestNotFoundError,
  MachineNotFoundError,
  InvalidRequestStateTransitionError,
  InvalidMachineStateTransitionError,
  ConcurrencyConflictError,
  ProviderError,
} from './domain/shared/errors';
export type { DomainErrorCode } from './domain/shared/errors';
export { NoActiveMachinesError } from './application/requests/request.errors';
