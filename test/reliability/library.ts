// Every name the library's domain and use-case modules export, public or not, so the hostile-input
// campaign (and compiled-validation.test.ts) can reach every message class and parser. src has no
// internal barrels (each module imports the file that defines a name); this list is the tests' own.
export * from '../../src/kernel/index';

// The domain.
// shared: ports, ids, value objects, events, errors
export type { Clock, IdGenerator, DomainContext } from '../../src/domain/shared/ports';
export { systemClock, randomIds } from '../../src/domain/shared/ports';
export type { RequestType, RequestId, TemplateId, MachineId } from '../../src/domain/shared/ids';
export {
  isUuidV4,
  newRequestId,
  parseRequestId,
  requestTypeOf,
  parseTemplateId,
  parseMachineId,
} from '../../src/domain/shared/ids';
export type { Tags } from '../../src/domain/shared/tags';
export { parseTags, formatTags, isWireSafe, MAX_TAG_KEY_LENGTH, MAX_TAG_VALUE_LENGTH } from '../../src/domain/shared/tags';
export type { TextKind, TextProblem } from '../../src/domain/shared/text';
export {
  TEXT_LIMITS,
  REPLACEMENT_CHARACTER,
  TRUNCATION_MARKER,
  codePointLength,
  textProblem,
  checkText,
  checkStorableStrings,
  normaliseText,
  normaliseMachineId,
} from '../../src/domain/shared/text';
export type { IpAddress } from '../../src/domain/shared/ip-address';
export { parseIpAddress } from '../../src/domain/shared/ip-address';
export type { JsonValue } from '../../src/domain/shared/json';
export type { AggregateType, DomainEventBase, DomainEvent, DomainEventType } from '../../src/domain/shared/domain-event';
export { DOMAIN_EVENT_TYPES, isDomainEvent } from '../../src/domain/shared/domain-event';
export type { DomainErrorCode, CapacityLimit, ProviderErrorOptions } from '../../src/domain/shared/errors';
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
} from '../../src/domain/shared/errors';

// template
export type {
  AttributeKind,
  TemplateAttribute,
  TemplateAttributes,
  TemplateAttributeInput,
} from '../../src/domain/template/template-attributes';
export { parseTemplateAttributes, numericAttribute } from '../../src/domain/template/template-attributes';
export type { PriceType, TemplateInput, TemplateDefinition } from '../../src/domain/template/template-definition';
export { PRICE_TYPES, MAX_TEMPLATE_CAPACITY, parseTemplateDefinition } from '../../src/domain/template/template-definition';
export type { CapacityTerms } from '../../src/domain/template/template-capacity';
export { countsUnits, templateCapacity, machineUnits, remainingCapacity, unitsInUse, deliverableUnits, requestableUnits } from '../../src/domain/template/template-capacity';
export type { TemplateCreated, TemplateUpdated, TemplateDeleted, TemplateEvent } from '../../src/domain/template/template.events';
export type { TemplateSnapshot, TemplateChanges } from '../../src/domain/template/template';
export { Template } from '../../src/domain/template/template';

// request
export type { RequestStatus } from '../../src/domain/request/request-status';
export {
  REQUEST_STATUSES,
  TERMINAL_REQUEST_STATUSES,
  REQUEST_TRANSITIONS,
  isRequestStatus,
  isTerminalRequestStatus,
  canRequestMove,
  assertRequestMove,
} from '../../src/domain/request/request-status';
export type { RequestState, RequestRelease, MachineView, RequestLimits, TerminationFailure } from '../../src/domain/request/request-state';
export {
  DEFAULT_REQUEST_TIMEOUT_SECONDS,
  MAX_REQUEST_TIMEOUT_SECONDS,
  DEFAULT_MAX_PER_REQUEST,
} from '../../src/domain/request/request-state';
export type { RequestProgress, RequestOutcome } from '../../src/domain/request/request-outcome';
export { assessMachines, deriveRequestOutcome, requestDeadline } from '../../src/domain/request/request-outcome';
export type {
  RequestCreated,
  RequestStatusChanged,
  RequestMachinesAttached,
  RequestTerminationFailed,
  RequestTerminationResent,
  RequestAcknowledged,
  RequestCompleted,
  RequestReleaseStarted,
  RequestReleased,
  RequestEvent,
} from '../../src/domain/request/request.events';
export type { RequestSnapshot } from '../../src/domain/request/request';
export type { RequestOptions, AcquireTemplateTerms, AcquireRequestInput, ReturnRequestInput, RequestAccountInput, RequestUserData } from '../../src/domain/request/request-input';
export { collectRequestAccount, REQUEST_ACCOUNT_LIMITS } from '../../src/domain/request/request-input';
export { Request } from '../../src/domain/request/request';

// machine
export type { MachineStatus } from '../../src/domain/machine/machine-status';
export {
  MACHINE_STATUSES,
  TERMINAL_MACHINE_STATUSES,
  MACHINE_TRANSITIONS,
  isMachineStatus,
  isTerminalMachineStatus,
  canMachineMove,
  assertMachineMove,
  holdsCapacity,
} from '../../src/domain/machine/machine-status';
export type { MachineResult } from '../../src/domain/machine/machine-result';
export { machineResult, machineResultMessage } from '../../src/domain/machine/machine-result';
export type { MachinePriceType, MachineFacts, MachineState, MachineFactsInput } from '../../src/domain/machine/machine-facts';
export { MACHINE_FACT_FIELDS } from '../../src/domain/machine/machine-facts';
export type {
  MachineCreated,
  MachineStatusChanged,
  MachineUpdated,
  MachineReturnRequested,
  MachineEvent,
} from '../../src/domain/machine/machine.events';
export type { MachineSnapshot, MachineCreateInput, MachineReport } from '../../src/domain/machine/machine';
export { Machine } from '../../src/domain/machine/machine';

// The use cases.
export type { TemplateRepository, RequestRepository, MachineRepository } from '../../src/storage/repositories';
export type { UnitOfWork, Transaction, Outbox } from '../../src/storage/unit-of-work';
export type { EventLog, StoredEvent } from '../../src/storage/event-log';
export type { ReadModelStore, ReadModelDocument, ReadModelFilter, ReadModelQuery, ReadModelPage } from '../../src/storage/read-model-store';
export type { Storage } from '../../src/storage/storage';
export {
  checkReadModelQuery,
  checkSave,
  checkExpectedVersion,
  checkFinderLimit,
  DEFAULT_QUERY_LIMIT,
  MAX_QUERY_LIMIT,
} from '../../src/storage/adapter-checks';
export type { CheckedQuery, CheckedFilter, RangeBounds, Scalar } from '../../src/storage/adapter-checks';
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
} from '../../src/application/provider/provider.port';
export type { HostFactoryLimits } from '../../src/application/tokens';
export { createHostFactory } from '../../src/application/host-factory';
export type { HostFactory, HostFactoryOptions } from '../../src/application/host-factory';
export { HOST_FACTORY_HANDLERS } from '../../src/application/handlers';

export { CreateTemplate, UpdateTemplate, DeleteTemplate, ValidateTemplate, ImportTemplates } from '../../src/application/templates/template.commands';
export type { TemplateChangeResult, TemplateIssuesReport, TemplateValidationReport, ImportedTemplate } from '../../src/application/templates/template.commands';
export { ListTemplates, GetTemplate, ValidateTemplateQuery } from '../../src/application/templates/template.queries';
export { readTemplatesDocument, MAX_TEMPLATES_PER_DOCUMENT } from '../../src/application/templates/templates-document';
export {
  RequestMachines,
  RequestReturnMachines,
  MachineReference,
  SyncRequest,
  SyncReclaimNotices,
  CancelRequest,
  UpdateRequestStatus,
} from '../../src/application/requests/request.commands';
export type { ReturnMachinesResult } from '../../src/application/requests/request.commands';
export { GetRequest, GetRequestStatus, ListRequests, ListReturnRequests, GetReturnRequests } from '../../src/application/requests/request.queries';
export { PagedQuery } from '../../src/application/read-models/paged-query';
export { Reconcile, DEFAULT_RECONCILE_LIMIT } from '../../src/application/reconcile/reconcile.command';
export type { ReconcileResult } from '../../src/application/reconcile/reconcile.command';
export type { Reconciler, ReconcilerOptions } from '../../src/application/reconcile/reconciler';
export { GetMachine, ListMachines } from '../../src/application/machines/machine.queries';
export { CAPACITY_HOLDING_STATUSES, committedUnits } from '../../src/application/requests/capacity';
export { NoActiveMachinesError } from '../../src/application/requests/request.errors';

export { TemplateDto } from '../../src/application/read-models/template.dto';
export { RequestDto, RequestStatusDto, RequestMachineDto } from '../../src/application/read-models/request.dto';
export { MachineDto, ReclaimDto } from '../../src/application/read-models/machine.dto';
export { Page } from '../../src/application/read-models/page';
export { toPlain, fromPlain, IsoDate } from '../../src/application/read-models/dto';
export { COLLECTIONS, DEFAULT_PROJECTIONS, templatesProjection, requestsProjection, machinesProjection, releasesProjection } from '../../src/application/read-models/projections';
export type { Projection } from '../../src/application/read-models/projections';
export type { ProjectionLag } from '../../src/application/read-models/projector';
