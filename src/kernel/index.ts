/**
 * The generic CQRS kernel: typed commands and queries, decorated handlers, a middleware
 * pipeline, an event bus, and isolated kernels. Import from `hostfactory-kernel/kernel` or the root.
 */
// class-transformer and typedi decorators need the Reflect metadata API; load it before them.
import 'reflect-metadata';
export { Command, Query } from './message';
export type { ResultOf, MessageClass, MessageInput } from './message';
export { commandHandler, queryHandler, eventHandler } from './decorators';
export type { HandlerClassDecorator } from './decorators';
export { Inject } from './registry';
export type { Constructor, InjectionToken, HandlerOptions, TokenReference } from './registry';
export type {
  CommandHandler,
  QueryHandler,
  EventHandler,
  EventMessage,
  EventContext,
  DispatchContext,
  HandlerContext,
  ExecuteOptions,
} from './handler';
export { CommandBus, QueryBus } from './buses';
export { EventBus } from './event-bus';
export type { PublishReport, EventFailure, EventErrorListener, EventDelivery, PublishOptions } from './event-bus';
export { createKernel, LOGGER, COMMAND_BUS, QUERY_BUS, EVENT_BUS } from './kernel';
export { scoped } from './scoped-services';
export type { ScopedService, ScopedServiceContext, ScopeOutcome } from './scoped-services';
export type { Kernel, KernelOptions } from './kernel';
export { validation, logging, timeout, retry } from './middleware';
export type { Middleware, LoggingOptions, RetryOptions } from './middleware';
export type { Instrumentation, WorkUnit, WorkSignal, TraceCarrier, ProjectionLagSample } from './instrumentation';
export { silentLogger, stderrLogger } from './logger';
export type { Logger, LogFields } from './logger';
export {
  KernelError,
  isKernelError,
  ValidationError,
  HandlerNotFoundError,
  DuplicateHandlerError,
  TimeoutError,
  KernelVerificationError,
} from './errors';
export type { KernelErrorJSON, KernelErrorOptions, ValidationIssue, KernelProblem } from './errors';
/** Names a value in an error message by kind and size (`a string of 6 characters`), never by content: for a host's own parsers. */
export { describeValue } from './validation';
