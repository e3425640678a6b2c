/**
 * For authors of storage adapters (`hostfactory-kernel/storage`): the storage ports, the argument
 * checks every adapter applies the same way, the aggregates an adapter rebuilds from its rows, and a
 * keyed async lock. A host that only dispatches commands never needs this entry.
 */
// class-transformer and typedi decorators need the Reflect metadata API; load it before them.
import 'reflect-metadata';

export type { Storage } from './storage';
export type { TemplateRepository, RequestRepository, MachineRepository, MachineSave } from './repositories';
export { saveMachines, putDocuments, checkDistinctIds } from './batch';
export type { UnitOfWork, Transaction, Outbox } from './unit-of-work';
export type { EventLog, StoredEvent } from './event-log';
export { readStoredEvents } from './event-log';
export type { ProcessorStore, ProcessorClaim, ProcessorState, DeadLetter } from './processor-store';
export { checkClaimArguments, leaseLost, deadLetterNotFound } from './processor-errors';
export type { ReadModelStore, ReadModelDocument, ReadModelFilter, ReadModelQuery, ReadModelPage } from './read-model-store';
export {
  checkReadModelQuery,
  checkSave,
  checkExpectedVersion,
  checkFinderLimit,
  checkDocumentId,
  isFencedOut,
  DEFAULT_QUERY_LIMIT,
  MAX_QUERY_LIMIT,
} from './adapter-checks';
export type { CheckedQuery, CheckedFilter, RangeBounds, Scalar } from './adapter-checks';
export { matchesReadModelFilter, compareReadModelDocuments, compareReadModelValues, compareCodePoints, equalityKey, valueAt } from './read-model-query';
export { KeyLocks } from './key-locks';
export type { LockTicket } from './key-locks';

// What an adapter stores and rebuilds.
export { Template } from '../domain/template/template';
export type { TemplateSnapshot } from '../domain/template/template';
export { Request } from '../domain/request/request';
export type { RequestSnapshot } from '../domain/request/request';
export { Machine } from '../domain/machine/machine';
export type { MachineSnapshot } from '../domain/machine/machine';
export type { AggregateType, DomainEvent, DomainEventType, DomainEventBase } from '../domain/shared/domain-event';
export { DOMAIN_EVENT_TYPES, isDomainEvent } from '../domain/shared/domain-event';
export type { RequestType } from '../domain/shared/ids';
export type { DomainContext } from '../domain/shared/ports';
export { REQUEST_STATUSES, isTerminalRequestStatus } from '../domain/request/request-status';
export type { RequestStatus } from '../domain/request/request-status';
export { MACHINE_STATUSES, holdsCapacity } from '../domain/machine/machine-status';
export type { MachineStatus } from '../domain/machine/machine-status';
export { ConcurrencyConflictError } from '../domain/shared/errors';

// Reading stored data written by older releases (docs/upgrading.md).
export { upcasterChain, createUpcasters, SchemaVersionUnsupportedError } from '../domain/shared/upcasting';
export type { StoredKind, Upcaster, UpcasterChain, Upcasters } from '../domain/shared/upcasting';
export { DOMAIN_UPCASTERS, readStoredEvent, readStoredSnapshot } from '../domain/shared/stored-schemas';

// The one rule for stored text (docs/domain.md, "Text"): what every adapter is given and must keep as is.
export { TEXT_LIMITS, textProblem, normaliseText, normaliseMachineId } from '../domain/shared/text';
export type { TextKind, TextProblem } from '../domain/shared/text';
