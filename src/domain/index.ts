/**
 * The host-factory domain: Template, Request and Machine aggregates, their value objects, status
 * machines, events and errors. Pure: time and ids arrive through a {@link DomainContext}.
 */

// shared: ports, ids, value objects, events, errors
export type { Clock, IdGenerator, DomainContext } from './shared/ports';
export { systemClock, randomIds } from './shared/ports';
export type { RequestType, RequestId, TemplateId, MachineId } from './shared/ids';
export {
  isUuidV4,
  newRequestId,
  parseRequestId,
  parseTemplateId,
  parseMachineId,
  TEMPLATE_ID,
} from './shared/ids';
export type { Tags } from './shared/tags';
export { parseTags, formatTags, isWireSafe, MAX_TAG_KEY_LENGTH, MAX_TAG_VALUE_LENGTH } from './shared/tags';
export type { TextKind, TextProblem } from './shared/text';
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
} from './shared/text';
export type { IpAddress } from './shared/ip-address';
export { parseIpAddress } from './shared/ip-address';
export type { JsonValue } from './shared/json';
export type { AggregateType, DomainEventBase, DomainEvent, DomainEventType } from './shared/domain-event';
export { DOMAIN_EVENT_TYPES, isDomainEvent } from './shared/domain-event';
export type { DomainErrorCode, CapacityLimit, ProviderErrorOptions } from './shared/errors';
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
} from './shared/errors';

// template
export type {
  AttributeKind,
  TemplateAttribute,
  TemplateAttributes,
  TemplateAttributeInput,
} from './template/template-attributes';
export { parseTemplateAttributes, numericAttribute } from './template/template-attributes';
export type { PriceType, TemplateInput, TemplateDefinition } from './template/template-definition';
export { PRICE_TYPES, MAX_TEMPLATE_CAPACITY, parseTemplateDefinition } from './template/template-definition';
export type { CapacityTerms } from './template/template-capacity';
export { countsUnits, templateCapacity, machineUnits, remainingCapacity, unitsInUse, deliverableUnits, requestableUnits } from './template/template-capacity';
export type { TemplateCreated, TemplateUpdated, TemplateDeleted, TemplateEvent } from './template/template.events';
export type { TemplateSnapshot, TemplateChanges } from './template/template';
export { Template } from './template/template';

// request
export type { RequestStatus } from './request/request-status';
export {
  REQUEST_STATUSES,
  TERMINAL_REQUEST_STATUSES,
  REQUEST_TRANSITIONS,
  isRequestStatus,
  isTerminalRequestStatus,
  canRequestMove,
  assertRequestMove,
} from './request/request-status';
export type { RequestState, RequestRelease, MachineView, RequestLimits, TerminationFailure } from './request/request-state';
export {
  DEFAULT_REQUEST_TIMEOUT_SECONDS,
  MAX_REQUEST_TIMEOUT_SECONDS,
  DEFAULT_MAX_PER_REQUEST,
} from './request/request-state';
export type { RequestProgress, RequestOutcome } from './request/request-outcome';
export { assessMachines, deriveRequestOutcome, requestDeadline } from './request/request-outcome';
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
} from './request/request.events';
export type { RequestSnapshot } from './request/request';
export type { RequestOptions, AcquireTemplateTerms, AcquireRequestInput, ReturnRequestInput, RequestAccountInput, RequestUserData } from './request/request-input';
export { collectRequestAccount, REQUEST_ACCOUNT_LIMITS } from './request/request-input';
export { REQUEST_LIMITS } from './request/request-limits';
export { Request } from './request/request';

// machine
export type { MachineStatus } from './machine/machine-status';
export {
  MACHINE_STATUSES,
  TERMINAL_MACHINE_STATUSES,
  MACHINE_TRANSITIONS,
  isMachineStatus,
  isTerminalMachineStatus,
  canMachineMove,
  assertMachineMove,
  holdsCapacity,
} from './machine/machine-status';
export type { MachineResult } from './machine/machine-result';
export { machineResult, machineResultMessage } from './machine/machine-result';
export type { MachinePriceType, MachineFacts, MachineState, MachineFactsInput } from './machine/machine-facts';
export { MACHINE_FACT_FIELDS } from './machine/machine-facts';
export type {
  MachineCreated,
  MachineStatusChanged,
  MachineUpdated,
  MachineReturnRequested,
  MachineEvent,
} from './machine/machine.events';
export type { MachineSnapshot, MachineCreateInput, MachineReport } from './machine/machine';
export { Machine } from './machine/machine';
